"""Authoring pages for teachers: courses, lessons, quizzes, translations, students."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from lms_core.auth import login_required, require
from lms_core.extensions import db
from lms_core.models import Course

bp = Blueprint("teach", __name__, url_prefix="/teach")


@bp.route("/")
@login_required
def index():
    require("course.create")
    return render_template("teach/index.html", courses=[])


@bp.route("/courses/<int:course_id>")
@login_required
def course(course_id):
    course = db.session.get(Course, course_id) or abort(404)
    require("course.edit", course)
    return render_template("teach/index.html", courses=[course])
