"""A SCO's lesson is done by the SCO alone: learners cannot mark it done by hand."""

from __future__ import annotations

from flask import g, has_request_context

from lms_core import db
from lms_core.models import Lesson

from lms_scorm_xapi.scorm.models import ScormSco


def sco_lesson(lesson_id: int) -> bool:
    memo = g.setdefault("scorm_xapi_sco_lessons", {}) if has_request_context() else {}
    if lesson_id not in memo:
        memo[lesson_id] = (
            db.session.execute(
                db.select(ScormSco.id).where(ScormSco.lesson_id == lesson_id, ScormSco.active.is_(True))
            ).first()
            is not None
        )
    return memo[lesson_id]


def allowed(user, action, target):
    if action == "lesson.learn" and isinstance(target, Lesson) and sco_lesson(target.id):
        return False
    return None
