"""Courses: the catalogue, authoring, enrolment, progress and the staff's view of attempts."""

from __future__ import annotations

from flask import g, jsonify, url_for
from sqlalchemy.orm import joinedload, selectinload

from lms_core.api import api_blueprint as bp
from lms_core.api import serializers, validation
from lms_core.api.access import allow, allowed, find, not_found
from lms_core.defaults.permissions import preload_staff
from lms_core.extensions import db
from lms_core.i18n import ContentTranslations
from lms_core.models import Attempt, Course, CourseStaff, Enrollment, Question, Quiz, User
from lms_core.services import courses, enrolment, progress

# Only the JSON types are checked here; ``services.courses`` checks the values.
COURSE_FIELDS = {
    "title": validation.string,  # its length and emptiness: services.courses, with the other values
    "summary": validation.text(20_000, blank=True),
    "default_language": validation.string,
    "slug": validation.string,
    "published": validation.boolean,
}


def course_detail(course: Course, language: str) -> dict:
    texts = ContentTranslations(course, language)
    staff = allowed("course.edit", course)
    done, passed = progress.done_and_passed(g.user.id, course.id)  # one query for every item

    def finished(item) -> bool:
        return item.id in (passed if isinstance(item, Quiz) else done)

    body = serializers.course(course, texts, staff)
    body["outline"] = [
        serializers.outline_item(item, texts, finished(item))
        for item in courses.outline(course, include_unpublished=staff)
    ]
    enrollment = enrolment.find(g.user.id, course.id)
    body["enrollment"] = serializers.enrollment(enrollment) if enrollment is not None else None
    return body


@bp.get("/courses")
def list_courses():
    """Published courses, and for teachers also the ones they teach (admins: all)."""
    language = validation.content_language()
    visible = db.select(Course)
    if not g.user.is_admin:
        published_ids = [c["id"] for c in courses.published_courses()]
        if g.user.is_teacher:
            taught = db.select(CourseStaff.course_id).where(CourseStaff.user_id == g.user.id)
            visible = visible.where(Course.id.in_(published_ids) | Course.id.in_(taught))
        else:
            visible = visible.where(Course.id.in_(published_ids))
    rows = db.session.execute(visible.order_by(Course.title, Course.id)).scalars().all()
    # every course's translations and the caller's staff rights in one query each
    texts = ContentTranslations.of_many(rows, language)
    preload_staff(g.user, [row.id for row in rows])
    return jsonify({"items": [serializers.course(row, texts[row.id], allowed("course.edit", row)) for row in rows]})


@bp.post("/courses")
def create_course():
    allow("course.create")
    data = validation.read_body(COURSE_FIELDS, required=("title",))
    course = courses.create_course(
        g.user,
        data["title"],
        data.get("summary", ""),
        data.get("default_language"),
        data.get("slug"),
        published=data.get("published", False),
    )
    response = jsonify(course_detail(course, course.default_language))
    response.headers["Location"] = url_for("api.get_course", course_id=course.id)
    return response, 201


@bp.get("/courses/<int:course_id>")
def get_course(course_id):
    course = find(Course, course_id)
    allow("course.view", course)
    return jsonify(course_detail(course, validation.content_language()))


@bp.patch("/courses/<int:course_id>")
def update_course(course_id):
    course = find(Course, course_id)
    allow("course.edit", course)
    changes = validation.read_body(COURSE_FIELDS)
    courses.update_course(
        course,
        changes.get("title", course.title),
        changes.get("summary", course.summary),
        changes.get("default_language", course.default_language),
        changes.get("slug"),
        changes.get("published"),
    )
    return jsonify(course_detail(course, validation.content_language()))


@bp.post("/courses/<int:course_id>/enrollment")
def enrol(course_id):
    course = find(Course, course_id)
    allow("course.enroll", course)
    enrollment = enrolment.enroll(g.user, course)
    response = jsonify(serializers.enrollment(enrollment))
    response.headers["Location"] = url_for("api.get_enrollment", course_id=course.id)
    return response, 201


@bp.get("/courses/<int:course_id>/enrollment")
def get_enrollment(course_id):
    course = find(Course, course_id)
    enrollment = enrolment.find(g.user.id, course.id)
    if enrollment is None:
        raise not_found(Enrollment)
    return jsonify(serializers.enrollment(enrollment))


@bp.get("/courses/<int:course_id>/progress")
def course_progress(course_id):
    """The caller's progress; staff may ask for a learner's with ``?user_id=``."""
    course = find(Course, course_id)
    allow("course.view", course)
    learner = g.user
    user_id = validation.int_arg("user_id")
    if user_id is not None and user_id != g.user.id:
        allow("course.view_students", course)
        learner = find(User, user_id)
    return jsonify(serializers.progress(course, progress.course_progress(learner, course)))


@bp.get("/courses/<int:course_id>/attempts")
def course_attempts(course_id):
    """Every learner's attempts at the course's quizzes, newest first (staff only)."""
    course = find(Course, course_id)
    allow("attempt.view_all", course)
    page, per_page = validation.page_args()
    query = db.select(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id).where(Quiz.course_id == course.id)
    quiz_id, user_id = validation.int_arg("quiz_id"), validation.int_arg("user_id")
    if quiz_id is not None:
        query = query.where(Attempt.quiz_id == quiz_id)
    if user_id is not None:
        query = query.where(Attempt.user_id == user_id)
    # each attempt's learner, quiz, questions and choices: a query each for the page, not per attempt
    query = query.order_by(Attempt.started_at.desc(), Attempt.id.desc()).options(
        joinedload(Attempt.user), selectinload(Attempt.quiz).selectinload(Quiz.questions).selectinload(Question.choices)
    )
    return jsonify(serializers.page_of(query, lambda row: serializers.attempt(row, staff=True), page, per_page))
