"""Who may see what: admins see every course, a teacher only the courses they teach
(and so only those courses' learners); a learner who asked a plugin to be hidden is
shown by a pseudonym, never by name."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms_core import db
from lms_core.models import Course, CourseStaff


def visible_course_ids(user) -> list[int] | None:
    """``None`` for everything (admins), else the ids of the courses ``user`` teaches."""
    if user is None:
        return []
    if user.is_admin:
        return None
    if not user.is_teacher:
        return []
    return list(db.session.execute(select(CourseStaff.course_id).where(CourseStaff.user_id == user.id)).scalars())


def visible_courses(user) -> list[Course]:
    ids = visible_course_ids(user)
    query = select(Course).order_by(Course.title)
    if ids is not None:
        query = query.where(Course.id.in_(ids))
    return list(db.session.execute(query).scalars())


def can_view(user, course_id: int) -> bool:
    ids = visible_course_ids(user)
    return ids is None or course_id in ids


def hidden_among(user_ids) -> set[int]:
    from flask import current_app

    user_ids = list(user_ids)
    if not user_ids:
        return set()
    hidden = set()
    for result in current_app.extensions["lms_plugins"].call_each("lms_analytics_hidden_learners", user_ids=user_ids):
        hidden.update(int(i) for i in result)
    return hidden


def label(user_id: int, name: str, hidden: set[int]) -> str:
    """The name to show, or a pseudonym for a hidden learner (stable per learner)."""
    if user_id in hidden:
        from lms_analytics.reporting import learner_key

        return _("Hidden learner %(key)s", key=learner_key(user_id)[:6])
    return name
