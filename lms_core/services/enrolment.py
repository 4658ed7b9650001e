from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core import events
from lms_core.extensions import db
from lms_core.models import Course, Enrollment, User
from lms_core.payloads import CourseInfo, EnrollmentInfo, UserInfo
from lms_core.extensions import get_plugin_manager
from lms_core.services import ServiceError
from lms_core.services.gradebook import gradebook_changed


_FIND = db.select(Enrollment).where(
    Enrollment.user_id == db.bindparam("user_id"), Enrollment.course_id == db.bindparam("course_id")
)  # built once: every page


def find(user_id: int, course_id: int) -> Enrollment | None:
    enrollment = db.session.execute(_FIND, {"user_id": user_id, "course_id": course_id}).scalar_one_or_none()
    if enrollment is not None:
        remember(enrollment)
    return enrollment


_MEMO = "lms_enrollments"


def remember(enrollment: Enrollment) -> None:
    """Keep an enrolment found in this request, so permission checks on the same page
    (the core's and every plugin's) need no query of their own."""
    g.setdefault(_MEMO, {})[(enrollment.user_id, enrollment.course_id)] = enrollment


# A course and one user's enrolment in it, in one statement; built once per way of
# naming the course.
_WITH_ENROLMENT = db.select(Course, Enrollment).outerjoin(
    Enrollment, (Enrollment.course_id == Course.id) & (Enrollment.user_id == db.bindparam("user_id"))
)
_BY_ID = _WITH_ENROLMENT.where(Course.id == db.bindparam("key"))
_BY_SLUG = _WITH_ENROLMENT.where(Course.slug == db.bindparam("key"))


def course_with_enrolment(user_id: int, *, course_id: int | None = None, slug: str | None = None):
    """``(course, enrolment or None)`` for the course with this id or address, or
    ``None`` when there is no such course; a found enrolment is remembered for the
    request's permission checks (``remember``)."""
    statement, key = (_BY_ID, course_id) if slug is None else (_BY_SLUG, slug)
    row = db.session.execute(statement, {"key": key, "user_id": user_id}).first()
    if row is not None and row[1] is not None:
        remember(row[1])
    return None if row is None else (row[0], row[1])


def remembered(user_id: int, course_id: int) -> Enrollment | None:
    """The enrolment found earlier in this request, if it is still a live row."""
    from sqlalchemy import inspect

    enrollment = g.get(_MEMO, {}).get((user_id, course_id))
    if enrollment is None:
        return None
    state = inspect(enrollment)
    if state.deleted or state.detached or enrollment not in db.session:
        return None
    return enrollment


def forget_remembered() -> None:
    g.pop(_MEMO, None)


def enroll(user: User, course: Course) -> Enrollment:
    """Enrol ``user``; plugins may refuse or hold the enrolment (``lms_before_enroll``)."""
    if not course.published:
        raise ServiceError("course_not_published", _("This course is not open for enrolment."), 409)
    from lms_core.services.accounts import may_enrol

    if not may_enrol(user):
        raise ServiceError(
            "email_unverified",
            _(
                "Please confirm your e-mail address first: open the link we sent you (your account page can send it again)."
            ),
            403,
        )
    existing = find(user.id, course.id)
    if existing is not None:
        raise ServiceError("already_enrolled", _("You are already enrolled in this course."), 409)
    refusal = get_plugin_manager().check("lms_before_enroll", user=UserInfo.of(user), course=CourseInfo.of(course))
    if refusal is not None and not refusal.hold:
        raise ServiceError(refusal.code, refusal.reason, 403)
    enrollment = Enrollment(
        user_id=user.id,
        course_id=course.id,
        status="pending" if refusal else "active",
        hold_reason=refusal.reason if refusal else None,
    )
    db.session.add(enrollment)
    try:
        db.session.flush()
    except IntegrityError:  # a double click won the race
        db.session.rollback()
        raise ServiceError("already_enrolled", _("You are already enrolled in this course."), 409) from None
    # Where the learner goes next when a plugin holds the enrolment (not stored).
    enrollment.continue_url = refusal.url if refusal else None
    if enrollment.status == "active":
        gradebook_changed(course.id, [user.id])  # a learner again: a summary from before is out of date
        events.emit(
            "on_enrolled",
            user=UserInfo.of(user),
            course=CourseInfo.of(course),
            enrollment=EnrollmentInfo.of(enrollment),
        )
    events.commit()
    return enrollment


def activate(enrollment_id: int) -> Enrollment:
    """Turn a pending (held) enrolment into an active one, e.g. once it is paid."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise ServiceError("not_found", _("No such enrolment."), 404)
    if enrollment.status != "pending":
        return enrollment
    enrollment.status = "active"
    enrollment.hold_reason = None
    db.session.flush()
    gradebook_changed(enrollment.course_id, [enrollment.user_id])
    events.emit(
        "on_enrolled",
        user=UserInfo.of(enrollment.user),
        course=CourseInfo.of(enrollment.course),
        enrollment=EnrollmentInfo.of(enrollment),
    )
    events.commit()
    return enrollment


def hold(enrollment_id: int, reason: str) -> Enrollment:
    """Take a learner's access to a course away without losing their progress (for
    example after a refund): the enrolment becomes *pending* with ``reason`` shown to
    them, and ``activate`` gives the access back."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise ServiceError("not_found", _("No such enrolment."), 404)
    was_active = enrollment.status in ("active", "completed")
    enrollment.status = "pending"
    enrollment.hold_reason = reason[:300]
    forget_remembered()
    if was_active:
        events.emit(
            "on_unenrolled", user=UserInfo.of(enrollment.user), course=CourseInfo.of(enrollment.course), reason="held"
        )
    events.commit()
    return enrollment


def withdraw(enrollment_id: int) -> None:
    """Remove an enrolment together with the learner's progress in its course
    (lesson completions and quiz attempts); the learner may enrol again."""
    from lms_core.models import Attempt, Lesson, LessonCompletion, Quiz

    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        return
    user_id, course_id = enrollment.user_id, enrollment.course_id
    was_active = enrollment.status in ("active", "completed")
    user, course = UserInfo.of(enrollment.user), CourseInfo.of(enrollment.course)
    lessons = db.select(Lesson.id).where(Lesson.course_id == course_id)
    quizzes = db.select(Quiz.id).where(Quiz.course_id == course_id)
    db.session.execute(
        db.delete(LessonCompletion).where(LessonCompletion.user_id == user_id, LessonCompletion.lesson_id.in_(lessons))
    )
    db.session.execute(db.delete(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id.in_(quizzes)))
    gradebook_changed(course_id, [user_id])
    db.session.delete(enrollment)
    forget_remembered()
    if was_active:
        events.emit("on_unenrolled", user=user, course=course, reason="withdrawn")
    events.commit()
