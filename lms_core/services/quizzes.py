from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from lms_core import events
from lms_core.extensions import db
from lms_core.models import Attempt, Question, Quiz, User, utcnow
from lms_core.payloads import AttemptInfo, QuizInfo, UserInfo
from lms_core.plugins import get_plugin_manager
from lms_core.services import ServiceError, progress

# Answers that arrive this long after the time limit still count (network, clock skew).
TIME_LIMIT_GRACE = timedelta(seconds=30)


def attempts_of(user_id: int, quiz_id: int) -> list[Attempt]:
    return list(
        db.session.execute(
            db.select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id).order_by(Attempt.number)
        ).scalars()
    )


def open_attempt(user_id: int, quiz_id: int) -> Attempt | None:
    return db.session.execute(
        db.select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.submitted_at.is_(None))
    ).scalar_one_or_none()


def attempts_left(user: User, quiz: Quiz) -> int | None:
    if quiz.max_attempts is None:
        return None
    used = db.session.execute(
        db.select(func.count(Attempt.id)).where(
            Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None)
        )
    ).scalar_one()
    return max(quiz.max_attempts - used, 0)


def deadline(attempt: Attempt):
    limit = attempt.quiz.time_limit_minutes
    return attempt.started_at + timedelta(minutes=limit) if limit else None


def start_attempt(user: User, quiz: Quiz) -> Attempt:
    """The open attempt, or a new one when attempts are left."""
    current = open_attempt(user.id, quiz.id)
    if current is not None:
        return current
    if not quiz.questions:
        raise ServiceError("quiz_empty", _("This quiz has no questions yet."), 409)
    if attempts_left(user, quiz) == 0:
        raise ServiceError("no_attempts_left", _("You have used all your attempts at this quiz."), 409)
    refusal = get_plugin_manager().check("lms_before_quiz_attempt", user=UserInfo.of(user), quiz=QuizInfo.of(quiz))
    if refusal is not None:
        raise ServiceError(refusal.code, refusal.reason, 403)
    number = (
        db.session.execute(
            db.select(func.max(Attempt.number)).where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
        ).scalar_one()
        or 0
    ) + 1
    attempt = Attempt(user_id=user.id, quiz_id=quiz.id, number=number)
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:  # two tabs started at once: use the other one's attempt
        db.session.rollback()
        return open_attempt(user.id, quiz.id)
    return attempt


def normalise_answers(quiz: Quiz, raw: dict) -> dict[str, object]:
    """Submitted answers keyed by question id, validated against the quiz.

    single: a choice id; multiple: a list of choice ids; text: a string.
    """
    answers: dict[str, object] = {}
    errors = {}
    for question in quiz.questions:
        value = raw.get(str(question.id))
        choice_ids = {c.id for c in question.choices}
        try:
            if question.kind == "single":
                if value in (None, "", []):
                    continue
                value = int(value[0] if isinstance(value, list) else value)
                if value not in choice_ids:
                    raise ValueError
                answers[str(question.id)] = value
            elif question.kind == "multiple":
                values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
                picked = sorted({int(v) for v in values})
                if not set(picked) <= choice_ids:
                    raise ValueError
                answers[str(question.id)] = picked
            else:
                text = "" if value is None else str(value[0] if isinstance(value, list) else value)
                if len(text) > 1000:
                    raise ValueError
                answers[str(question.id)] = text.strip()
        except (TypeError, ValueError):
            errors[str(question.id)] = _("This answer is not one of the options.")
    if errors:
        raise ServiceError("invalid_answers", _("Some answers are not valid."), 400, errors)
    return answers


def score_question(question: Question, answer) -> float:
    """Points earned: all or nothing for single and text; for multiple choice, the share
    of correct options picked minus wrong ones picked, never below zero."""
    if answer is None:
        return 0.0
    if question.kind == "single":
        return float(question.points) if any(c.id == answer and c.correct for c in question.choices) else 0.0
    if question.kind == "multiple":
        correct = {c.id for c in question.choices if c.correct}
        picked = set(answer)
        if not correct:
            return float(question.points) if not picked else 0.0
        share = (len(picked & correct) - len(picked - correct)) / len(correct)
        return round(max(share, 0.0) * question.points, 4)
    accepted = {" ".join(a.split()).casefold() for a in question.accepted_answers}
    return float(question.points) if " ".join(str(answer).split()).casefold() in accepted else 0.0


def submit_attempt(user: User, attempt: Attempt, raw_answers: dict) -> Attempt:
    """Score an open attempt; fires ``on_quiz_submitted`` and, when passed, ``on_quiz_passed``."""
    if attempt.user_id != user.id:
        raise ServiceError("forbidden", _("This is not your attempt."), 403)
    if attempt.submitted_at is not None:
        raise ServiceError("already_submitted", _("This attempt has already been submitted."), 409)
    quiz = attempt.quiz
    answers = normalise_answers(quiz, raw_answers)
    refusal = get_plugin_manager().check(
        "lms_before_quiz_submit",
        user=UserInfo.of(user),
        quiz=QuizInfo.of(quiz),
        attempt=AttemptInfo.of(attempt),
        answers=dict(answers),
    )
    if refusal is not None:
        raise ServiceError(refusal.code, refusal.reason, 403)
    now = utcnow()
    limit = deadline(attempt)
    timed_out = limit is not None and now > limit + TIME_LIMIT_GRACE
    if timed_out:
        answers = {}  # answers sent after the time limit do not count
    max_score = float(sum(q.points for q in quiz.questions))
    score = sum(score_question(q, answers.get(str(q.id))) for q in quiz.questions)
    percent = round(100 * score / max_score, 2) if max_score else 0.0
    # Conditional update: a double submit scores once.
    updated = db.session.execute(
        db.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(
            submitted_at=now,
            answers=answers,
            score=score,
            max_score=max_score,
            percent=percent,
            passed=percent >= quiz.pass_percent,
            timed_out=timed_out,
        )
    ).rowcount
    if not updated:
        db.session.rollback()
        raise ServiceError("already_submitted", _("This attempt has already been submitted."), 409)
    db.session.refresh(attempt)
    payload = dict(user=UserInfo.of(user), quiz=QuizInfo.of(quiz), attempt=AttemptInfo.of(attempt))
    events.emit("on_quiz_submitted", **payload)
    if attempt.passed:
        events.emit("on_quiz_passed", **payload)
    events.commit()
    if attempt.passed:
        progress.check_completion(user.id, quiz.course_id)
    return attempt
