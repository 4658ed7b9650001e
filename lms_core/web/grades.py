"""A learner's own grades in a course: every graded item, their points (with a
teacher's changes and the reason), the total, pass or fail, and what is still missing."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, url_for

from lms_core.auth import login_required
from lms_core.defaults.permissions import is_enrolled
from lms_core.extensions import db
from lms_core.permissions import can
from lms_core.models import Course, GradeOverride
from lms_core.services import gradebook as books

bp = Blueprint("grades", __name__)


@bp.route("/grades/<int:course_id>")
@login_required
def mine(course_id):
    course = db.get_or_404(Course, course_id)
    if can(g.user, "course.view_students", course):
        return redirect(url_for("teach.gradebook", course_id=course.id)), 303
    if not is_enrolled(g.user, course):
        abort(404)
    book = books.learner_book(course, g.user)
    row = book.rows[0]
    reasons = {}
    for change, _changer in books.history(course, g.user.id):
        reasons.setdefault(change.item_key, change)  # newest first: the one in force
    return render_template(
        "learn/grades.html",
        course=course,
        book=book,
        row=row,
        reasons={key: change for key, change in reasons.items() if isinstance(change, GradeOverride)},
        missing=[c for c in book.columns if c.key in row.missing],
    )
