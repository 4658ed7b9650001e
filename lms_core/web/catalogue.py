"""The catalogue, a course's page and enrolment."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from lms_core.auth import login_required, require
from lms_core.extensions import db
from lms_core.models import Course
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
    """The catalogue: a search (``q``, words of the title or summary as the reader
    reads them), a content language filter (``language``) and pages, all in the query
    string, so the form works without JavaScript and a search can be linked to."""
    found = courses.search_catalogue(
        str(get_locale()),
        request.args.get("q", ""),
        request.args.get("language", ""),
        request.args.get("page", 1, type=int) or 1,
    )
    return render_template(
        "catalogue/index.html",
        found=found,
        courses=found.cards,
        image_box=courses.IMAGE_BOX,
        search_max_length=courses.SEARCH_MAX_LENGTH,
    )


@bp.route("/courses/<slug>/image")
def course_image(slug):
    """A course's picture. Published courses' pictures may be cached by anyone (the
    address carries the picture's hash, ``?v=``); a draft's only by whoever may see it."""
    course = course_by_slug(slug)
    require("course.view", course)
    record = courses.course_image(course.id)
    if record is None:
        abort(404)
    response = make_response(record.data)
    response.mimetype = record.content_type
    response.set_etag(record.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if course.published and request.args.get("v") == record.sha256:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@bp.route("/courses/<slug>")
def course(slug):
    user = g.user
    if user is None:
        course, enrollment = course_by_slug(slug), None
    else:
        found = enrolment.course_with_enrolment(user.id, slug=slug)  # one statement for both
        if found is None:
            abort(404)
        course, enrollment = found
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
        outline=courses.published_outline(course),
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
