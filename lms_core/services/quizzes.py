from __future__ import annotations

import hashlib
import hmac
import random
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from lms_core import events
from lms_core.extensions import db
from lms_core.models import Attempt, Choice, Question, Quiz, User, utcnow
from lms_core.payloads import AttemptInfo, QuizInfo, UserInfo
from lms_core.plugins import get_plugin_manager
from lms_core.services import ServiceError, progress
from lms_core.services.courses.questions import parse_number

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
    """When the attempt's answers stop counting: the end of its time limit or the quiz's
    deadline, whichever comes first (None: neither)."""
    limit = attempt.quiz.time_limit_minutes
    ends = [t for t in (attempt.started_at + timedelta(minutes=limit) if limit else None, attempt.quiz.due_at) if t]
    return min(ends) if ends else None


def is_closed(quiz: Quiz, now=None) -> bool:
    """The quiz's deadline has passed."""
    return quiz.due_at is not None and (now or utcnow()) > quiz.due_at


def shuffled(question: Question, user_id: int) -> list[Choice]:
    """The question's options in the order one learner sees them: the same order every
    time for that learner, never the stored (correct) order of an ordering question."""
    items = list(question.choices)
    random.Random(f"{user_id}:{question.id}").shuffle(items)
    if len(items) > 1 and items == list(question.choices):
        items = items[1:] + items[:1]
    return items


def option_code(user_id: int, question_id: int, choice_id: int) -> int:
    """What one learner's page and the API call an option of a matching or ordering
    question, instead of its id: the id would give the answer away (a matching item's
    right option is the item's own row, ordering items are stored in their order). The
    same for that learner every time, meaningless to anybody else."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"quiz-option:{user_id}:{question_id}:{choice_id}".encode(), hashlib.sha256).digest()
    return (int.from_bytes(digest[:4], "big") & 0x7FFFFFFF) or 1


def _decoded(question: Question, user_id: int, values: list) -> list:
    codes = {option_code(user_id, question.id, c.id): c.id for c in question.choices}
    return [None if v is None else codes.get(v, -1) for v in values]  # -1: not one of the options


def start_attempt(user: User, quiz: Quiz) -> Attempt:
    """The open attempt, or a new one when attempts are left."""
    current = open_attempt(user.id, quiz.id)
    if current is not None:
        return current
    if not quiz.questions:
        raise ServiceError("quiz_empty", _("This quiz has no questions yet."), 409)
    if is_closed(quiz):
        raise ServiceError("quiz_closed", _("The deadline of this quiz has passed."), 409)
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


TEXT_LIMITS = {"text": 1000, "numeric": 100, "essay": 20000}


def _first(value):
    """One value of a form's or the API's answer: the first of a list (an empty list, or
    nothing, is an empty answer)."""
    if isinstance(value, list):
        return value[0] if value else ""
    return "" if value is None else value


def _ids(value) -> list:
    values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
    return [None if v in (None, "") else int(v) for v in values]


def normalise_answers(quiz: Quiz, raw: dict, user_id: int | None = None) -> dict[str, object]:
    """Submitted answers keyed by question id, validated against the quiz; unanswered
    questions are left out.

    single: a choice id; multiple: a list of choice ids; text, essay: a string; numeric: a
    number or its text; matching: for each item in the question's order, the option
    picked for it (or null); ordering: the options in the learner's order. A learner's
    (``user_id``) matching and ordering options are their ``option_code`` values, turned
    back into choice ids here; without ``user_id`` (the core's own callers) choice ids.
    """
    answers: dict[str, object] = {}
    errors = {}
    for question in quiz.questions:
        key = str(question.id)
        value = raw.get(key)
        choice_ids = {c.id for c in question.choices}
        try:
            if question.kind == "single":
                if value in (None, "", []):
                    continue
                value = int(_first(value))
                if value not in choice_ids:
                    raise ValueError
                answers[key] = value
            elif question.kind == "multiple":
                picked = sorted(set(_ids(value)) - {None})
                if not set(picked) <= choice_ids:
                    raise ValueError
                answers[key] = picked
            elif question.kind in ("matching", "ordering"):
                picked = _ids(value)
                if user_id is not None:
                    picked = _decoded(question, user_id, picked)
                if not set(picked) - {None} <= choice_ids or len(picked) > len(choice_ids):
                    raise ValueError
                if all(v is None for v in picked):
                    continue
                answers[key] = picked + [None] * (len(choice_ids) - len(picked))
            elif question.kind == "numeric":
                text = str(_first(value)).strip()
                if not text:
                    continue
                if len(text) > TEXT_LIMITS["numeric"] or parse_number(text) is None:
                    errors[key] = _("Enter a number, such as 3.14.")
                    continue
                answers[key] = text
            else:
                text = str(_first(value))
                if len(text) > TEXT_LIMITS.get(question.kind, 1000):
                    errors[key] = _("This answer is too long.")
                    continue
                answers[key] = text.strip()
        except (TypeError, ValueError):
            errors[key] = _("This answer is not one of the options.")
    if errors:
        raise ServiceError("invalid_answers", _("Some answers are not valid."), 400, errors)
    return answers


def score_question(question: Question, answer, manual: dict | None = None) -> float | None:
    """Points earned: all or nothing for single, text and numeric; for multiple choice, the
    share of correct options picked minus wrong ones picked, never below zero; for matching
    and ordering, the share of items in their right place. Essays score what the teacher
    gave (``manual``, by question id), None while not graded."""
    if question.kind == "essay":
        given = (manual or {}).get(str(question.id))
        if given is None:
            return 0.0 if not answer else None
        return float(given)
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
    if question.kind in ("matching", "ordering"):
        items = list(question.choices)
        if not items:
            return 0.0
        right = sum(1 for item, given in zip(items, answer) if given == item.id)
        return round(right / len(items) * question.points, 4)
    if question.kind == "numeric":
        value = parse_number(answer)
        tolerance = question.tolerance or 0.0
        for accepted in question.accepted_answers:
            target = parse_number(accepted)
            if (
                value is not None
                and target is not None
                and abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))
            ):
                return float(question.points)
        return 0.0
    accepted = {" ".join(a.split()).casefold() for a in question.accepted_answers}
    return float(question.points) if " ".join(str(answer).split()).casefold() in accepted else 0.0


def question_scores(attempt: Attempt) -> dict[str, float | None]:
    """Points per question id of a submitted attempt (None: an essay not graded yet)."""
    answers = attempt.answers or {}
    return {str(q.id): score_question(q, answers.get(str(q.id)), attempt.manual_scores) for q in attempt.quiz.questions}


def review_shown(attempt: Attempt, staff: bool = False, now=None) -> bool:
    """May the attempt's learner see the correct answers and the feedback? The course's
    staff always may; learners as the quiz's review policy says."""
    if attempt.submitted_at is None:
        return False
    if staff:
        return True
    quiz = attempt.quiz
    policy = quiz.review_policy or "never"
    if policy == "after_attempt":
        return True
    if policy == "after_last_attempt":
        if is_closed(quiz, now):
            return True
        if quiz.max_attempts is None:
            return False
        used = db.session.execute(
            db.select(func.count(Attempt.id)).where(
                Attempt.user_id == attempt.user_id, Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None)
            )
        ).scalar_one()
        return used >= quiz.max_attempts
    if policy == "after_deadline":
        return is_closed(quiz, now)
    return False


def correct_answer(question: Question):
    """The answer that scores full points, in the shape learners answer."""
    if question.kind == "single":
        return next((c.id for c in question.choices if c.correct), None)
    if question.kind == "multiple":
        return [c.id for c in question.choices if c.correct]
    if question.kind in ("matching", "ordering"):
        return [c.id for c in question.choices]
    if question.kind in ("text", "numeric"):
        return list(question.accepted_answers or [])
    return None


def submit_attempt(user: User, attempt: Attempt, raw_answers: dict) -> Attempt:
    """Score an open attempt; fires ``on_quiz_submitted`` and, when passed, ``on_quiz_passed``."""
    if attempt.user_id != user.id:
        raise ServiceError("forbidden", _("This is not your attempt."), 403)
    if attempt.submitted_at is not None:
        raise ServiceError("already_submitted", _("This attempt has already been submitted."), 409)
    quiz = attempt.quiz
    answers = normalise_answers(quiz, raw_answers, user.id)
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
    points = [score_question(q, answers.get(str(q.id))) for q in quiz.questions]
    # An answered essay waits for the teacher: no result, no events until it is graded.
    waiting = any(p is None for p in points)
    score = sum(p or 0.0 for p in points)
    percent = None if waiting else (round(100 * score / max_score, 2) if max_score else 0.0)
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
            passed=None if waiting else percent >= quiz.pass_percent,
            timed_out=timed_out,
            needs_grading=waiting,
        )
    ).rowcount
    if not updated:
        db.session.rollback()
        raise ServiceError("already_submitted", _("This attempt has already been submitted."), 409)
    db.session.refresh(attempt)
    if waiting:
        db.session.commit()
        return attempt
    _completed(user, attempt, newly_passed=bool(attempt.passed), first=True)
    return attempt


def _completed(user: User, attempt: Attempt, newly_passed: bool, first: bool) -> None:
    from lms_core.services.gradebook import gradebook_changed

    quiz = attempt.quiz
    gradebook_changed(quiz.course_id, [user.id])  # a result to count: the filters' summary follows
    payload = dict(user=UserInfo.of(user), quiz=QuizInfo.of(quiz), attempt=AttemptInfo.of(attempt))
    if first:
        events.emit("on_quiz_submitted", **payload)
    if newly_passed:
        events.emit("on_quiz_passed", **payload)
        progress.complete_if_met(user.id, quiz.course_id)  # in the same transaction as the pass
    events.commit()


def attempts_to_grade(quiz_ids) -> list[Attempt]:
    """Submitted attempts with essays that wait for a grade, oldest first (with their
    learners, read in the same go)."""
    from sqlalchemy.orm import selectinload

    ids = list(quiz_ids)
    if not ids:
        return []
    return list(
        db.session.execute(
            db.select(Attempt)
            .where(Attempt.quiz_id.in_(ids), Attempt.needs_grading.is_(True), Attempt.graded_at.is_(None))
            .options(selectinload(Attempt.user))
            .order_by(Attempt.submitted_at)
        ).scalars()
    )


def count_to_grade(quiz_ids) -> int:
    """How many attempts wait for a teacher's grade (``attempts_to_grade``, counted)."""
    ids = list(quiz_ids)
    if not ids:
        return 0
    return db.session.execute(
        db.select(db.func.count(Attempt.id)).where(
            Attempt.quiz_id.in_(ids), Attempt.needs_grading.is_(True), Attempt.graded_at.is_(None)
        )
    ).scalar_one()


def grade_attempt(grader: User, attempt: Attempt, scores: dict, comments: dict | None = None) -> Attempt:
    """The teacher's points (and comments) for an attempt's essays, by question id. The
    first grading completes the attempt: its score and result, ``on_quiz_submitted`` and,
    when passed, ``on_quiz_passed``; grading again changes the score (``on_quiz_passed``
    fires when the attempt passes for the first time)."""
    quiz = attempt.quiz
    essays = {str(q.id): q for q in quiz.questions if q.kind == "essay"}
    if attempt.submitted_at is None:
        raise ServiceError("not_submitted", _("This attempt has not been submitted yet."), 409)
    if not essays:
        raise ServiceError("nothing_to_grade", _("This quiz has no questions graded by the teacher."), 409)
    known = {str(q.id) for q in quiz.questions}
    errors = {}
    given = {}
    answers = attempt.answers or {}
    for key, question in essays.items():
        value = scores.get(key)
        if not answers.get(key):
            given[key] = 0.0  # nothing written: nothing to grade
            continue
        number = parse_number(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= question.points:
            errors[key] = _("Give from 0 to %(max)d points.", max=question.points)
            continue
        given[key] = round(float(number), 2)
    for key in set(scores) - set(essays):
        errors[key] = _("This question is scored automatically.") if key in known else _("Not a question of this quiz.")
    notes = {}
    for key, text in (comments or {}).items():
        if key not in known:
            errors[key] = _("Not a question of this quiz.")
        elif not isinstance(text, str) or len(text) > 20000:
            errors[key] = _("The comment is too long.")
        elif text.strip():
            notes[key] = text.replace("\r\n", "\n").strip()
    if errors:
        raise ServiceError("invalid_grades", _("Some grades are not valid."), 400, errors)
    was_passed = bool(attempt.passed)
    first = attempt.graded_at is None and attempt.needs_grading
    points = [score_question(q, answers.get(str(q.id)), given) for q in quiz.questions]
    score = sum(p or 0.0 for p in points)
    max_score = float(sum(q.points for q in quiz.questions))
    percent = round(100 * score / max_score, 2) if max_score else 0.0
    values = dict(
        manual_scores=given,
        comments=notes,
        score=score,
        max_score=max_score,
        percent=percent,
        passed=percent >= quiz.pass_percent,
        graded_at=utcnow(),
        graded_by_id=grader.id,
        needs_grading=False,
    )
    where = [Attempt.id == attempt.id]
    if first:
        where.append(Attempt.graded_at.is_(None))  # two teachers at once: one completes it
    updated = db.session.execute(db.update(Attempt).where(*where).values(**values)).rowcount
    if not updated:
        db.session.execute(db.update(Attempt).where(Attempt.id == attempt.id).values(**values))
        first = False
    db.session.refresh(attempt)
    learner = db.session.get(User, attempt.user_id)
    _completed(learner, attempt, newly_passed=bool(attempt.passed) and not was_passed, first=first)
    return attempt
