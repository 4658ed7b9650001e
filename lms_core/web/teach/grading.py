"""Grading essay answers: the attempts that wait for a teacher, and one attempt's grades."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.models import Attempt, Quiz
from lms_core.services import ServiceError, quizzes
from lms_core.web.teach.blueprint import bp


@bp.route("/quizzes/<int:quiz_id>/grading")
def quiz_grading(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("course.edit", quiz.course)
    waiting = quizzes.attempts_to_grade([quiz.id])
    graded = list(
        db.session.execute(
            db.select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.graded_at.is_not(None))
            .order_by(Attempt.graded_at.desc())
            .limit(50)
        ).scalars()
    )
    return render_template("teach/grading.html", quiz=quiz, course=quiz.course, waiting=waiting, graded=graded)


@bp.route("/attempts/<int:attempt_id>/grade", methods=["GET", "POST"])
def grade_attempt(attempt_id):
    attempt = db.get_or_404(Attempt, attempt_id)
    quiz = attempt.quiz
    require("course.edit", quiz.course)
    errors, status = {}, 200
    essays = [q for q in quiz.questions if q.kind == "essay"]
    values = {str(q.id): (attempt.manual_scores or {}).get(str(q.id)) for q in essays}
    notes = dict(attempt.comments or {})
    if request.method == "POST":
        values = {str(q.id): request.form.get(f"points-{q.id}", "").strip() for q in essays}
        notes = {str(q.id): request.form.get(f"comment-{q.id}", "") for q in quiz.questions}
        try:
            quizzes.grade_attempt(g.user, attempt, values, {k: v for k, v in notes.items() if v.strip()})
        except ServiceError as exc:
            flash(exc.message, "error")
            errors, status = exc.fields, exc.status
        else:
            flash(_("The grade was saved."), "success")
            following = next((a for a in quizzes.attempts_to_grade([quiz.id]) if a.id != attempt.id), None)
            if following is not None:
                return redirect(url_for("teach.grade_attempt", attempt_id=following.id)), 303
            return redirect(url_for("teach.quiz_grading", quiz_id=quiz.id)), 303
    return render_template(
        "teach/grade_attempt.html",
        attempt=attempt,
        quiz=quiz,
        course=quiz.course,
        scored=quizzes.question_scores(attempt),
        values=values,
        notes=notes,
        errors=errors,
    ), status
