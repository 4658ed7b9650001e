"""Lessons: reading one in the requested language, and marking it done."""

from __future__ import annotations

from flask import g, jsonify

from lms_core.api import api_blueprint as bp
from lms_core.api import serializers, validation
from lms_core.api.access import allow, find
from lms_core.i18n import ContentTranslations
from lms_core.models import Lesson
from lms_core.services import progress


@bp.get("/lessons/<int:lesson_id>")
def get_lesson(lesson_id):
    lesson = find(Lesson, lesson_id)
    allow("lesson.view", lesson)
    texts = ContentTranslations(lesson.course, validation.content_language())
    completed = lesson.id in progress.completed_lesson_ids(g.user.id, lesson.course_id)
    return jsonify(serializers.lesson(lesson, texts, completed))


@bp.post("/lessons/<int:lesson_id>/complete")
def complete_lesson(lesson_id):
    """Idempotent: ``first_time`` tells whether this call marked the lesson done.
    Staff previewing a lesson record no progress, so only learners may."""
    lesson = find(Lesson, lesson_id)
    allow("lesson.learn", lesson)
    first_time = progress.complete_lesson(g.user, lesson)
    course = lesson.course
    return jsonify(
        {
            "lesson_id": lesson.id,
            "completed": True,
            "first_time": first_time,
            "progress": serializers.progress(course, progress.course_progress(g.user, course)),
        }
    )
