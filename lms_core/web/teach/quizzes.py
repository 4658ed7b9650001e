"""Quiz editor (its questions are in ``questions``)."""

from __future__ import annotations

from datetime import timezone

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.models import Quiz
from lms_core.services import ServiceError, courses, quizzes
from lms_core.web.forms import QuizForm
from lms_core.web.teach.blueprint import bp
from lms_core.web.teach.editing import editable_course, failed, mark_errors


def quiz_settings(form) -> dict:
    return dict(
        title=form.title.data,
        description=form.description.data or "",
        pass_percent=form.pass_percent.data,
        max_attempts=form.max_attempts.data,
        time_limit_minutes=form.time_limit_minutes.data,
        position=form.position.data,
        published=form.published.data,
        review_policy=form.review_policy.data,
        due_at=utc_from_local(form.due_at.data),
    )


def utc_from_local(local):
    """A naive time the teacher typed, in their own time zone, as an aware UTC datetime."""
    if local is None:
        return None
    return to_utc(local).replace(tzinfo=timezone.utc)


def local_from_utc(moment):
    return to_user_timezone(moment).replace(tzinfo=None) if moment else None


@bp.route("/courses/<int:course_id>/quizzes/new", methods=["GET", "POST"])
def new_quiz(course_id):
    course = editable_course(course_id)
    form = QuizForm()
    if request.method == "GET":
        form.position.data = courses.next_position(course)
        return render_template("teach/quiz.html", course=course, quiz=None, form=form)
    if not form.validate():
        return render_template("teach/quiz.html", course=course, quiz=None, form=form), 400
    try:
        quiz = courses.create_quiz(course, **quiz_settings(form))
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_template("teach/quiz.html", course=course, quiz=None, form=form), failed(exc)
    flash(_("The quiz was added. Now add its questions."), "success")
    return redirect(url_for("teach.quiz", quiz_id=quiz.id)), 303


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
def quiz(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("course.edit", quiz.course)
    courses.load_questions([quiz])  # its questions and their choices: two queries
    form = QuizForm(obj=quiz) if request.method == "GET" else QuizForm()
    if request.method == "GET":
        form.due_at.data = local_from_utc(quiz.due_at)  # obj would give the UTC value
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                courses.update_quiz(quiz, **quiz_settings(form))
            except ServiceError as exc:
                mark_errors(form, exc)
                status = failed(exc)
            else:
                flash(_("The quiz was saved."), "success")
                return redirect(url_for("teach.quiz", quiz_id=quiz.id)), 303
        else:
            status = 400
    return render_template(
        "teach/quiz.html",
        course=quiz.course,
        quiz=quiz,
        form=form,
        submitted=courses.attempt_count(quiz),
        to_grade=quizzes.count_to_grade([quiz.id]),
    ), status


@bp.route("/quizzes/<int:quiz_id>/delete", methods=["POST"])
def delete_quiz(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    course = quiz.course
    require("course.edit", course)
    title = quiz.title
    courses.delete_quiz(quiz)
    flash(_("The quiz “%(title)s” was deleted.", title=title), "success")
    return redirect(url_for("teach.course", course_id=course.id, _anchor="outline")), 303
