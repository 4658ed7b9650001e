"""Quizzes and attempts. Learners never receive the correct answers; the course's
staff do, and see every learner's attempts."""

from __future__ import annotations

from flask import g, jsonify, url_for
from flask_babel import gettext as _

from lms_core.api import api_blueprint as bp
from lms_core.api import serializers, validation
from lms_core.api.access import allow, allowed, find
from lms_core.i18n import ContentTranslations
from lms_core.models import Attempt, Quiz
from lms_core.services import ServiceError, courses, quizzes

SUBMIT_RULES = {"answers": validation.answers}
GRADE_RULES = {"scores": validation.question_grades, "comments": validation.question_comments}


def may_take_or_teach(quiz: Quiz) -> bool:
    """Staff see the quiz with its answers; learners need the right to take it."""
    staff = allowed("course.edit", quiz.course)
    if not staff:
        allow("quiz.take", quiz)
    return staff


@bp.get("/quizzes/<int:quiz_id>")
def get_quiz(quiz_id):
    quiz = find(Quiz, quiz_id)
    staff = may_take_or_teach(quiz)
    courses.load_questions([quiz])  # its questions and their choices: two queries
    texts = ContentTranslations(quiz.course, validation.content_language())
    current = quizzes.open_attempt(g.user.id, quiz.id)
    return jsonify(
        serializers.quiz(
            quiz,
            texts,
            with_answers=staff,
            attempts_left=quizzes.attempts_left(g.user, quiz),
            open_attempt_id=current.id if current else None,
        )
    )


@bp.get("/quizzes/<int:quiz_id>/attempts")
def my_attempts(quiz_id):
    """The caller's own attempts; staff list everyone's under the course."""
    quiz = find(Quiz, quiz_id)
    staff = may_take_or_teach(quiz)
    return jsonify(
        {
            "items": [serializers.attempt(a, staff) for a in quizzes.attempts_of(g.user.id, quiz.id)],
            "attempts_left": quizzes.attempts_left(g.user, quiz),
        }
    )


@bp.post("/quizzes/<int:quiz_id>/attempts")
def start_attempt(quiz_id):
    """Starts an attempt (201), or returns the one still open (200)."""
    quiz = find(Quiz, quiz_id)
    allow("quiz.take", quiz)
    already_open = quizzes.open_attempt(g.user.id, quiz.id)
    attempt = quizzes.start_attempt(g.user, quiz)
    response = jsonify(serializers.attempt(attempt))
    response.headers["Location"] = url_for("api.get_attempt", attempt_id=attempt.id)
    return response, 200 if already_open is not None else 201


@bp.get("/attempts/<int:attempt_id>")
def get_attempt(attempt_id):
    attempt = find(Attempt, attempt_id)
    allow("attempt.view", attempt)
    return jsonify(serializers.attempt(attempt, allowed("course.edit", attempt.quiz.course)))


@bp.post("/attempts/<int:attempt_id>/submit")
def submit_attempt(attempt_id):
    attempt = find(Attempt, attempt_id)
    allow("attempt.view", attempt)
    if attempt.user_id != g.user.id:  # staff may look at an attempt, only its learner answers it
        raise ServiceError("forbidden", _("This is not your attempt."), 403)
    allow("quiz.take", attempt.quiz)  # still a learner of the course
    answers = validation.read_body(SUBMIT_RULES, required=("answers",))["answers"]
    known = {str(q.id) for q in attempt.quiz.questions}
    unknown = sorted(set(answers) - known, key=int)
    if unknown:
        raise validation.invalid({"answers": _("Not questions of this quiz: %(ids)s.", ids=", ".join(unknown))})
    return jsonify(serializers.attempt(quizzes.submit_attempt(g.user, attempt, answers)))


@bp.post("/attempts/<int:attempt_id>/grade")
def grade_attempt(attempt_id):
    """The teacher's points for an attempt's essay answers (and comments); the first
    grading completes the attempt."""
    attempt = find(Attempt, attempt_id)
    allow("attempt.view", attempt)
    allow("course.edit", attempt.quiz.course)
    body = validation.read_body(GRADE_RULES, required=("scores",))
    graded = quizzes.grade_attempt(g.user, attempt, body["scores"], body.get("comments") or {})
    return jsonify(serializers.attempt(graded, staff=True))
