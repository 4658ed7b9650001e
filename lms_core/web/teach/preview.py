"""A teacher tries their own quiz as a learner sees it: the same questions in the
course's (or the reader's) language, scored on submission, but nothing is stored: no
attempt, no events, so no points, progress or certificates; no enrolment needed."""

from __future__ import annotations

from flask import render_template, request

from lms_core.auth import current_user, require
from lms_core.extensions import db
from lms_core.models import Quiz
from lms_core.services import ServiceError, courses, quizzes
from lms_core.web.teach.blueprint import bp


@bp.route("/quizzes/<int:quiz_id>/preview", methods=["GET", "POST"])
def preview_quiz(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("course.edit", quiz.course)
    courses.load_questions([quiz])  # its questions and their choices: two queries
    result = None
    errors: dict[str, str] = {}
    answers: dict = {}
    raw: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        raw = {key: request.form.getlist(key) for key in request.form if key.isdigit()}
        try:
            answers = quizzes.normalise_answers(quiz, raw, current_user.id)
        except ServiceError as exc:
            errors, status = dict(exc.fields), 400
        else:
            points = {str(q.id): quizzes.score_question(q, answers.get(str(q.id))) for q in quiz.questions}
            max_score = float(sum(q.points for q in quiz.questions))
            score = sum(p or 0 for p in points.values())  # an essay waits for its teacher (None)
            percent = round(100 * score / max_score, 2) if max_score else 0.0
            result = {
                "points": points,
                "score": score,
                "max_score": max_score,
                "percent": percent,
                "passed": percent >= quiz.pass_percent,
            }
    return render_template(
        "teach/preview_quiz.html",
        quiz=quiz,
        course=quiz.course,
        result=result,
        errors=errors,
        answers=answers,
        raw_given=raw,
        shuffled=quizzes.shuffled,  # the learner's own inputs (learn/_questions.html), every question kind
    ), status
