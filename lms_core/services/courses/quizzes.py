"""Quizzes (their questions are in ``questions``)."""

from __future__ import annotations

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Attempt, Course, Quiz
from lms_core.models.quizzes import REVIEW_POLICIES
from lms_core.services.courses.checks import _check_position, _check_title, _raise_invalid, _text
from lms_core.services.courses.outline import next_position, recheck_completion_later
from lms_core.services.courses.translations import _forget_translations


_KEEP = object()


def _check_quiz(title: str, pass_percent, max_attempts, time_limit_minutes, position, review_policy, due_at) -> None:
    errors = {}
    if review_policy not in REVIEW_POLICIES:
        errors["review_policy"] = _("Choose when learners see the correct answers.")
    elif review_policy == "after_deadline" and due_at is None:
        errors["due_at"] = _("Set a deadline, or choose another time to show the correct answers.")
    if due_at is not None and due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    _check_title(title, errors)
    if pass_percent is None or not 1 <= pass_percent <= 100:
        errors["pass_percent"] = _("The pass mark must be between 1 and 100.")
    if max_attempts is not None and max_attempts < 1:
        errors["max_attempts"] = _("Allow at least one attempt, or leave the field empty for no limit.")
    if time_limit_minutes is not None and time_limit_minutes < 1:
        errors["time_limit_minutes"] = _("The time limit must be at least one minute, or empty for none.")
    _check_position(position, errors)
    _raise_invalid(errors)


def create_quiz(
    course: Course,
    title: str,
    description: str = "",
    pass_percent: int = 60,
    max_attempts: int | None = None,
    time_limit_minutes: int | None = None,
    position: int | None = None,
    published: bool = True,
    review_policy: str = "never",
    due_at=None,
) -> Quiz:
    """A new quiz without questions; without ``position`` it goes to the end of the outline.
    ``review_policy`` (one of ``REVIEW_POLICIES``) says when learners see the correct
    answers; ``due_at`` (aware datetime) is the deadline, after which no attempt starts."""
    _check_quiz(title, pass_percent, max_attempts, time_limit_minutes, position, review_policy, due_at)
    quiz = Quiz(
        course=course,
        title=title.strip(),
        description=_text(description),
        pass_percent=pass_percent,
        max_attempts=max_attempts,
        time_limit_minutes=time_limit_minutes,
        published=bool(published),
        review_policy=review_policy,
        due_at=due_at,
        position=next_position(course) if position is None else position,
    )
    db.session.add(quiz)
    db.session.commit()
    return quiz


def update_quiz(
    quiz: Quiz,
    title: str,
    description: str,
    pass_percent: int,
    max_attempts: int | None,
    time_limit_minutes: int | None,
    position: int | None = None,
    published: bool = True,
    review_policy: str | None = None,
    due_at=_KEEP,
) -> Quiz:
    """Change a quiz's settings. Attempts already submitted keep their score and result.
    ``review_policy`` and ``due_at`` are kept when not given."""
    review_policy = quiz.review_policy if review_policy is None else review_policy
    due_at = quiz.due_at if due_at is _KEEP else due_at
    _check_quiz(title, pass_percent, max_attempts, time_limit_minutes, position, review_policy, due_at)
    quiz.title = title.strip()
    quiz.description = _text(description)
    quiz.pass_percent = pass_percent
    quiz.max_attempts = max_attempts
    quiz.time_limit_minutes = time_limit_minutes
    quiz.published = bool(published)
    quiz.review_policy = review_policy
    quiz.due_at = due_at
    if position is not None:
        quiz.position = position
    db.session.commit()
    return quiz


def delete_quiz(quiz: Quiz) -> None:
    """Delete a quiz with its questions, translations and every attempt at it."""
    _forget_translations([quiz, *quiz.questions, *(c for q in quiz.questions for c in q.choices)])
    course_id = quiz.course_id
    db.session.delete(quiz)
    db.session.commit()
    recheck_completion_later(course_id)


def attempt_count(quiz: Quiz) -> int:
    return db.session.execute(
        db.select(db.func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
    ).scalar_one()
