"""HTML the plugin adds to the core's course page and dashboard."""

from __future__ import annotations

from functools import cache

from flask import render_template
from markupsafe import Markup

from lms_core import can, db, read, render_fragment
from lms_core.models import Course, Enrollment, User
from lms_certificates.models import Certificate


def course_page(user, course) -> list[Markup]:
    """The learner's certificate of this course (or that it is on its way), and for
    course staff a link to the course's certificates."""
    if user is None:
        return []
    viewer = db.session.get(User, user.id)
    row = db.session.get(Course, course.id)
    found = read(_certificate_and_enrolment(), {"user_id": user.id, "course_id": course.id}).first()
    certificate = found if found is not None and found.id is not None else None
    completed = found is not None and found.enrolment_status == "completed"
    manage = row is not None and can(viewer, "certificate.manage", row)
    if certificate is None and not completed and not manage:
        return []
    return [
        render_fragment(
            "certificates/_course_fragment.html",
            certificate=certificate,
            completed=completed,
            manage=manage,
            course=course,
        )
    ]


@cache
def _certificate_and_enrolment():
    """The learner's certificate of the course (what the fragment shows of it) and their
    enrolment's status, in one query: the viewer's row is always there, the other two
    may not be. Built once: only the ids change from page to page."""
    user_id, course_id = db.bindparam("user_id"), db.bindparam("course_id")
    status = (
        db.select(Enrollment.status)
        .where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
        .scalar_subquery()
    )
    return (
        db.select(Certificate.id, Certificate.number, Certificate.status, status.label("enrolment_status"))
        .select_from(User)
        .outerjoin(Certificate, (Certificate.user_id == User.id) & (Certificate.course_id == course_id))
        .where(User.id == user_id)
        .order_by(Certificate.id.desc())
        .limit(1)
    )


def dashboard(user) -> list[Markup]:
    if user is None:
        return []
    certificates = (
        db.session.execute(
            db.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc())
        )
        .scalars()
        .all()
    )
    if not certificates:
        return []
    from lms_certificates.issuing import shown_titles

    titles = shown_titles(certificates)
    return [Markup(render_template("certificates/_dashboard_fragment.html", certificates=certificates, titles=titles))]
