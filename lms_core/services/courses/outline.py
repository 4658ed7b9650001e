"""The order of a course's lessons and quizzes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Course, Lesson, Quiz
from lms_core.services import ServiceError


def next_position(course: Course) -> int:
    positions = [item.position for item in [*course.lessons, *course.quizzes]]
    return max(positions, default=0) + 1


def outline(course: Course, include_unpublished: bool = False) -> list:
    """Lessons and quizzes in the order the learner meets them."""
    items = [*course.lessons, *course.quizzes]
    if not include_unpublished:
        items = [i for i in items if i.published]
    return sorted(items, key=lambda i: (i.position, 0 if isinstance(i, Lesson) else 1, i.id))


@dataclass(frozen=True)
class OutlineEntry:
    """A published lesson or quiz as the learner sees it in the outline."""

    kind: str  # "lesson" or "quiz"
    id: int
    title: str  # in the reader's language
    url: str | None  # None outside a request (a job)


# Built once: the course page runs them on every view its outline is not kept for.
_PUBLISHED = {
    "lesson": db.select(Lesson.id, Lesson.title, Lesson.position).where(
        Lesson.course_id == db.bindparam("course_id"), Lesson.published.is_(True)
    ),
    "quiz": db.select(Quiz.id, Quiz.title, Quiz.position).where(
        Quiz.course_id == db.bindparam("course_id"), Quiz.published.is_(True)
    ),
}
_ENDPOINTS = {"lesson": ("learn.lesson", "lesson_id"), "quiz": ("learn.quiz", "quiz_id")}
_TABLES = {"lesson": "lessons", "quiz": "quizzes"}


def published_outline(course: Course) -> tuple[OutlineEntry, ...]:
    """The published lessons and quizzes in the order of ``outline``, titled in the
    reader's language; kept between requests until the course's content changes."""
    from lms_core.services.courses.content_cache import kept

    return kept(course, "outline", lambda: _read_published_outline(course))


def _read_published_outline(course: Course) -> tuple[OutlineEntry, ...]:
    from lms_core.i18n import content_translations

    translations = content_translations(course)
    rows = []
    for kind, statement in _PUBLISHED.items():
        for item_id, title, position in db.session.execute(statement, {"course_id": course.id}):
            rows.append((position, 0 if kind == "lesson" else 1, item_id, kind, title))
    rows.sort()
    entries = []
    for _position, _order, item_id, kind, title in rows:
        endpoint, key = _ENDPOINTS[kind]
        try:
            url = url_for(endpoint, **{key: item_id})
        except RuntimeError:  # outside a request: no URL needed
            url = None
        entries.append(OutlineEntry(kind, item_id, translations.text(_TABLES[kind], item_id, "title", title), url))
    return tuple(entries)


def move_in_outline(course: Course, item, offset: int) -> None:
    """Swap a lesson or quiz with its neighbour (``offset`` -1 or +1) and number the
    outline 1, 2, 3, ... again, since hand-typed positions may tie."""
    items = outline(course, include_unpublished=True)
    index = next((i for i, other in enumerate(items) if other is item), None)
    if index is None:
        raise ServiceError("not_found", _("This item is not part of the course."), 404)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, 1):
        other.position = position
    db.session.commit()


def recheck_completion_later(course_id: int) -> None:
    """A removed lesson or quiz may be all that kept some learners from completing."""
    from lms_core.jobs import enqueue
    from lms_core.services.progress import recheck_course

    enqueue(recheck_course, course_id)
