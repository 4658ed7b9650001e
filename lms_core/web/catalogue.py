"""The catalogue, a course's page and enrolment."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from lms_core.auth import login_required, require
from lms_core.extensions import db
from lms_core.models import Course, Enrollment
from lms_core.payloads import CourseInfo
from lms_core.services import ServiceError, courses, enrolment, progress

bp = Blueprint("catalogue", __name__)


_COURSE_BY_SLUG = db.select(Course).where(Course.slug == db.bindparam("slug"))  # built once: every course page


def course_by_slug(slug: str) -> Course:
    course = db.session.execute(_COURSE_BY_SLUG, {"slug": slug}).scalar_one_or_none()
    if course is None:
        abort(404)
    return course


@bp.route("/")
def index():
    cards = courses.catalogue_cards(str(get_locale()))
    size = courses.CATALOGUE_PAGE_SIZE
    pages = max(-(-len(cards) // size), 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return render_template(
        "catalogue/index.html", courses=cards[(page - 1) * size : page * size], page=page, pages=pages, total=len(cards)
    )


# The course and the viewer's enrolment in it, in one statement (built once).
_COURSE_AND_ENROLMENT = (
    db.select(Course, Enrollment)
    .outerjoin(Enrollment, db.and_(Enrollment.course_id == Course.id, Enrollment.user_id == db.bindparam("user_id")))
    .where(Course.slug == db.bindparam("slug"))
)


@bp.route("/courses/<slug>")
def course(slug):
    user = g.user
    if user is None:
        course, enrollment = course_by_slug(slug), None
    else:
        row = db.session.execute(_COURSE_AND_ENROLMENT, {"slug": slug, "user_id": user.id}).first()
        if row is None:
            abort(404)
        course, enrollment = row
        if enrollment is not None:
            enrolment.remember(enrollment)
    require("course.view", course)
    course_progress = progress.course_progress(user, course, enrollment) if enrollment else None
    done = progress.completed_lesson_ids(user.id, course.id) if enrollment else set()
    return render_template(
        "catalogue/course.html",
        course=course,
        enrollment=enrollment,
        progress=course_progress,
        done=done,
        course_info=CourseInfo.of(course),
        outline=courses.outline(course, include_unpublished=False),
    )


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
