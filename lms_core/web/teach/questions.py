"""Question editor."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.models import Question, Quiz
from lms_core.services import ServiceError, courses
from lms_core.web.forms import QuestionForm
from lms_core.web.teach.blueprint import bp
from lms_core.web.teach.editing import failed, mark_errors


def question_input(form) -> dict:
    choices, matches = [], []
    for entry in form.choices:
        raw_id = (entry.form.id.data or "").strip()
        choices.append((entry.form.text.data or "", entry.form.correct.data, int(raw_id) if raw_id.isdigit() else None))
        matches.append(entry.form.match.data or "")
    return dict(
        matches=matches,
        tolerance=form.tolerance.data,
        feedback=form.feedback.data or "",
        kind=form.kind.data,
        text=form.text.data or "",
        points=form.points.data,
        choices=choices,
        accepted_answers=(form.accepted_answers.data or "").splitlines(),
        position=form.position.data,
    )


def pad_choices(form) -> None:
    """Leave two empty option rows (at least four rows) for new options."""
    filled = sum(1 for entry in form.choices if (entry.form.text.data or "").strip())
    while len(form.choices) < max(4, filled + 2):
        form.choices.append_entry()


def render_question(quiz, question, form, errors=None, status=200):
    pad_choices(form)
    return render_template(
        "teach/question.html",
        course=quiz.course,
        quiz=quiz,
        question=question,
        form=form,
        errors=errors or {},
        submitted=courses.attempt_count(quiz),
    ), status


@bp.route("/quizzes/<int:quiz_id>/questions/new", methods=["GET", "POST"])
def new_question(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("course.edit", quiz.course)
    form = QuestionForm()
    if request.method == "GET":
        return render_question(quiz, None, form)
    if not form.validate():
        return render_question(quiz, None, form, status=400)
    try:
        courses.add_question(quiz, **question_input(form))
    except ServiceError as exc:
        return render_question(quiz, None, form, mark_errors(form, exc), failed(exc))
    flash(_("The question was added."), "success")
    if request.form.get("then") == "another":
        return redirect(url_for("teach.new_question", quiz_id=quiz.id)), 303
    return redirect(url_for("teach.quiz", quiz_id=quiz.id, _anchor="questions")), 303


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
def question(question_id):
    question = db.get_or_404(Question, question_id)
    quiz = question.quiz
    require("course.edit", quiz.course)
    if request.method == "GET":
        form = QuestionForm(
            formdata=None,
            data={
                "kind": question.kind,
                "text": question.text,
                "points": question.points,
                "position": question.position,
                "accepted_answers": "\n".join(question.accepted_answers or []),
                "tolerance": question.tolerance,
                "feedback": question.feedback,
                "choices": [
                    {"id": str(c.id), "text": c.text, "correct": c.correct, "match": c.match or ""}
                    for c in question.choices
                ],
            },
        )
        return render_question(quiz, question, form)
    form = QuestionForm()
    if not form.validate():
        return render_question(quiz, question, form, status=400)
    try:
        courses.update_question(question, **question_input(form))
    except ServiceError as exc:
        return render_question(quiz, question, form, mark_errors(form, exc), failed(exc))
    flash(_("The question was saved."), "success")
    return redirect(url_for("teach.quiz", quiz_id=quiz.id, _anchor="questions")), 303


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
def delete_question(question_id):
    question = db.get_or_404(Question, question_id)
    quiz = question.quiz
    require("course.edit", quiz.course)
    courses.delete_question(question)
    flash(_("The question was deleted."), "success")
    return redirect(url_for("teach.quiz", quiz_id=quiz.id, _anchor="questions")), 303
