"""The catalogue, a course's page and enrolment."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from lms_core.auth import login_required, require
from lms_core.extensions import db
from lms_core.models import Course
from lms_core.payloads import CourseInfo
from lms_core.services import ServiceError, courses, enrolment, progress

bp = Blueprint("catalogue", __name__)


def course_by_slug(slug: str) -> Course:
    course = db.session.execute(db.select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None:
        abort(404)
    return course


@bp.route("/")
def index():
    listing = courses.published_courses()
    by_id = {c.id: c for c in db.session.execute(
        db.select(Course).where(Course.id.in_([c["id"] for c in listing]))).scalars()} if listing else {}
    return render_template("catalogue/index.html", courses=[by_id[c["id"]] for c in listing if c["id"] in by_id])


@bp.route("/courses/<slug>")
def course(slug):
    course = course_by_slug(slug)
    require("course.view", course)
    user = g.user
    enrollment = enrolment.find(user.id, course.id) if user else None
    course_progress = progress.course_progress(user, course, enrollment) if enrollment else None
    done = progress.completed_lesson_ids(user.id, course.id) if enrollment else set()
    return render_template("catalogue/course.html", course=course, enrollment=enrollment,
                           progress=course_progress, done=done, course_info=CourseInfo.of(course),
                           outline=courses.outline(course, include_unpublished=False))


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug):
    course = course_by_slug(slug)
    require("course.enroll", course)
    try:
        enrollment = enrolment.enroll(g.user, course)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalogue.course", slug=slug)), 303
    if enrollment.status == "pending":
        flash(_("Your enrolment is on hold: %(reason)s", reason=enrollment.hold_reason), "info")
        if getattr(enrollment, "continue_url", None):
            return redirect(enrollment.continue_url), 303
    else:
        flash(_("You are enrolled. Enjoy the course!"), "success")
    return redirect(url_for("catalogue.course", slug=slug)), 303
