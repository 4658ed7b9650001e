"""Default permission rules. A plugin overrides one by answering first (``True`` or
``False``) from its own ``lms_permission_allowed``."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from hookspecs import hookimpl
from lms_core.extensions import db
from lms_core.models import Attempt, Course, CourseStaff, Enrollment, Lesson, Quiz, User
from lms_core.services.enrolment import remembered


# Built once: permission checks run several times on every page, and building a
# SELECT costs more than running this one.
_STAFF_QUERY = (
    db.select(CourseStaff.id)
    .where(CourseStaff.course_id == db.bindparam("course_id"), CourseStaff.user_id == db.bindparam("user_id"))
    .limit(1)
)
_ENROLLED_QUERY = (
    db.select(Enrollment.id)
    .where(
        Enrollment.course_id == db.bindparam("course_id"),
        Enrollment.user_id == db.bindparam("user_id"),
        Enrollment.status.in_(db.bindparam("statuses", expanding=True)),
    )
    .limit(1)
)


_STAFF_MEMO = "lms_staff_memo"


def is_staff(user: User, course: Course) -> bool:
    """Whether ``user`` teaches ``course``; asked once per transaction (a teacher's page
    asks for its tabs, its menu and its forms), again after any flush (staff added or
    removed through the session in this transaction, flushed or waiting to be, or by an
    ``db.insert``, ``db.update`` or ``db.delete`` statement run through the session) and in every new
    transaction."""
    if user is None:
        return False
    if user.is_admin:
        return True
    if not user.is_teacher:
        return False
    session = db.session()
    key = (user.id, course.id)
    memo = session.info.get(_STAFF_MEMO)
    transaction = session.get_transaction()
    # Not while changes wait in the session (staff added or removed, not flushed yet):
    # the query sees them, as before the memo (its autoflush writes them, and a flush
    # forgets the memo).
    if (
        memo is not None
        and transaction is not None
        and memo[0] is transaction
        and key in memo[1]
        and not (session.new or session.deleted or session.dirty)
    ):
        return memo[1][key]
    found = session.execute(_STAFF_QUERY, {"course_id": course.id, "user_id": user.id}).first() is not None
    _staff_answers(session)[key] = found
    return found


def _staff_answers(session) -> dict:
    """The answers kept for the session's current transaction (a new one starts empty)."""
    transaction = session.get_transaction()
    memo = session.info.get(_STAFF_MEMO)
    if memo is None or memo[0] is not transaction:
        memo = session.info[_STAFF_MEMO] = (transaction, {})
    return memo[1]


def preload_staff(user: User, course_ids) -> None:
    """Whether ``user`` teaches each of these courses, in one query, for the checks
    that follow in this transaction (a list of many courses)."""
    if user is None or user.is_admin or not user.is_teacher:
        return
    ids = sorted(set(course_ids))
    if not ids:
        return
    session = db.session()
    taught = set(
        session.execute(
            db.select(CourseStaff.course_id).where(CourseStaff.user_id == user.id, CourseStaff.course_id.in_(ids))
        ).scalars()
    )
    _staff_answers(session).update({(user.id, course_id): course_id in taught for course_id in ids})


@event.listens_for(Session, "after_flush")
def _forget_staff(session, _context) -> None:
    session.info.pop(_STAFF_MEMO, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_staff_on_a_write_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info.pop(_STAFF_MEMO, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_staff_of_rolled_back_work(session, _previous_transaction) -> None:
    session.info.pop(_STAFF_MEMO, None)  # a savepoint's rollback too


def is_enrolled(user: User, course: Course, statuses=("active", "completed")) -> bool:
    if user is None:
        return False
    known = remembered(user.id, course.id)
    if known is not None:
        return known.status in statuses
    return (
        db.session.execute(
            _ENROLLED_QUERY, {"course_id": course.id, "user_id": user.id, "statuses": list(statuses)}
        ).first()
        is not None
    )


def course_of(target):
    if isinstance(target, Course):
        return target
    if isinstance(target, (Lesson, Quiz)):
        return target.course
    if isinstance(target, Attempt):
        return target.quiz.course
    return None


@hookimpl(trylast=True)
def lms_permission_allowed(user, action, target):
    if user is not None and not user.active:
        return False
    if action == "admin.access":
        return user is not None and user.is_admin
    if action == "course.create":
        return user is not None and user.is_teacher
    if action in ("account.use", "notifications.read"):
        return user is not None
    course = course_of(target)
    if action == "course.view":
        return course.published or is_staff(user, course)
    if action in ("course.edit", "course.view_students", "attempt.view_all"):
        return is_staff(user, course)
    if action == "course.enroll":
        return user is not None and course.published
    if action == "course.follow":
        return is_staff(user, course) or is_enrolled(user, course)
    if action == "lesson.view":
        if is_staff(user, course):
            return True
        return course.published and target.published and is_enrolled(user, course)
    if action == "lesson.learn":  # record progress and time: learners only, not staff previewing
        return course.published and target.published and is_enrolled(user, course)
    if action == "quiz.take":
        return course.published and target.published and is_enrolled(user, course)
    if action == "attempt.view":
        return user is not None and (target.user_id == user.id or is_staff(user, course))
    return False
