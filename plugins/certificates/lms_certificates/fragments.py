"""HTML the plugin adds to the core's course page and dashboard."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from lms_core.extensions import db
from lms_core.models import Course, User
from lms_core.permissions import can
from lms_core.services import enrolment
from lms_certificates.models import Certificate


def course_page(user, course) -> list[Markup]:
    """The learner's certificate of this course (or that it is on its way), and for
    course staff a link to the course's certificates."""
    if user is None:
        return []
    viewer = db.session.get(User, user.id)
    row = db.session.get(Course, course.id)
    certificate = db.session.execute(
        db.select(Certificate).where(Certificate.user_id == user.id, Certificate.course_id == course.id)
    ).scalar_one_or_none()
    enrollment = enrolment.find(user.id, course.id)
    completed = enrollment is not None and enrollment.status == "completed"
    manage = row is not None and can(viewer, "certificate.manage", row)
    if certificate is None and not completed and not manage:
        return []
    return [Markup(render_template("certificates/_course_fragment.html", certificate=certificate,
                                   completed=completed, manage=manage, course=course))]


def dashboard(user) -> list[Markup]:
    if user is None:
        return []
    certificates = db.session.execute(
        db.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc())
    ).scalars().all()
    if not certificates:
        return []
    return [Markup(render_template("certificates/_dashboard_fragment.html", certificates=certificates))]
