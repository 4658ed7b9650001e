"""Jobs enqueued by the event hooks (``lms_gamification.plugin``) and the periodic repair.

Each job reads what it needs by id, so it works from any worker, and is safe to run
twice: awards are keyed by their cause, badges by badge and person, level
announcements by level and person.
"""

from __future__ import annotations

from datetime import datetime

from lms_core import db
from lms_core.models import Attempt, Course, Lesson, User, utcnow

from lms_gamification import activity, badges, ledger, levels, rebuild, rules


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def settle(user_id: int, course_id: int | None, changes: list[ledger.LedgerChange]) -> None:
    """After an event: mirror and announce the new totals, then levels, then badges."""
    if changes:
        ledger.publish(changes)
        levels.announce_new_levels(user_id, course_id)
    badges.check(user_id, course_id)


def quiz_submitted(user_id: int, attempt_id: int) -> None:
    """A failed attempt still counts as activity (a passed one is handled by ``quiz_passed``)."""
    attempt = db.session.get(Attempt, attempt_id)
    user = db.session.get(User, user_id)
    if attempt is None or user is None or attempt.passed:
        return
    activity.mark_active(user_id, attempt.quiz.course_id, attempt.submitted_at or utcnow(), user.timezone)
    settle(user_id, attempt.quiz.course_id, [])


def quiz_passed(user_id: int, attempt_id: int) -> None:
    attempt = db.session.get(Attempt, attempt_id)
    user = db.session.get(User, user_id)
    if attempt is None or user is None or not attempt.passed:
        return
    quiz = attempt.quiz
    activity.mark_active(user_id, quiz.course_id, attempt.submitted_at or utcnow(), user.timezone)
    changes = rules.award_quiz_pass(
        user_id, quiz.course_id, quiz.id, quiz.title, attempt.number, attempt.percent or 0.0
    )
    settle(user_id, quiz.course_id, changes)


def lesson_completed(user_id: int, lesson_id: int) -> None:
    lesson = db.session.get(Lesson, lesson_id)
    user = db.session.get(User, user_id)
    if lesson is None or user is None:
        return
    activity.mark_active(user_id, lesson.course_id, utcnow(), user.timezone)
    settle(user_id, lesson.course_id, rules.award_lesson(user_id, lesson.course_id, lesson.id, lesson.title))


def course_completed(user_id: int, course_id: int) -> None:
    course = db.session.get(Course, course_id)
    user = db.session.get(User, user_id)
    if course is None or user is None:
        return
    activity.mark_active(user_id, course_id, utcnow(), user.timezone)
    settle(user_id, course_id, rules.award_course(user_id, course_id, course.title))


def assignment_graded(
    user_id: int, course_id: int, assignment_id: int, title: str, grade_points: float, max_points: float
) -> None:
    if db.session.get(User, user_id) is None or db.session.get(Course, course_id) is None:
        return
    changes = rules.award_assignment(user_id, course_id, assignment_id, title, grade_points, max_points)
    settle(user_id, course_id, changes)


def submission_created(
    user_id: int, course_id: int, assignment_id: int, submission_id: int, submitted_at: str, deadline: str | None
) -> None:
    user = db.session.get(User, user_id)
    if user is None or db.session.get(Course, course_id) is None:
        return
    when = _parse(submitted_at)
    activity.record_submission(user_id, course_id, assignment_id, submission_id, when, _parse(deadline))
    activity.mark_active(user_id, course_id, when, user.timezone)
    settle(user_id, course_id, [])


def repair_leaderboards() -> None:
    """Periodic: see ``lms_gamification.rebuild.repair``."""
    rebuild.repair()
