"""Lesson editor."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.models import Lesson
from lms_core.services import ServiceError, courses
from lms_core.web.forms import LessonForm
from lms_core.web.teach.blueprint import bp
from lms_core.web.teach.editing import editable_course, failed, mark_errors


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
def new_lesson(course_id):
    course = editable_course(course_id)
    form = LessonForm()
    if request.method == "GET":
        form.position.data = courses.next_position(course)
        return render_template("teach/lesson.html", course=course, lesson=None, form=form)
    if not form.validate():
        return render_template("teach/lesson.html", course=course, lesson=None, form=form), 400
    try:
        lesson = courses.create_lesson(
            course, form.title.data, form.body.data or "", form.position.data, form.published.data
        )
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_template("teach/lesson.html", course=course, lesson=None, form=form), failed(exc)
    flash(_("The lesson was added."), "success")
    return redirect(url_for("teach.lesson", lesson_id=lesson.id)), 303


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def lesson(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    require("course.edit", lesson.course)
    if request.method == "GET":
        form = LessonForm(obj=lesson)
        return render_template("teach/lesson.html", course=lesson.course, lesson=lesson, form=form)
    form = LessonForm()
    if not form.validate():
        return render_template("teach/lesson.html", course=lesson.course, lesson=lesson, form=form), 400
    try:
        courses.update_lesson(lesson, form.title.data, form.body.data or "", form.position.data, form.published.data)
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_template("teach/lesson.html", course=lesson.course, lesson=lesson, form=form), failed(exc)
    flash(_("The lesson was saved."), "success")
    return redirect(url_for("teach.lesson", lesson_id=lesson.id)), 303


@bp.route("/lessons/<int:lesson_id>/delete", methods=["POST"])
def delete_lesson(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    course = lesson.course
    require("course.edit", course)
    title = lesson.title
    courses.delete_lesson(lesson)
    flash(_("The lesson “%(title)s” was deleted.", title=title), "success")
    return redirect(url_for("teach.course", course_id=course.id, _anchor="outline")), 303
