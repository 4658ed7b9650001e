"""Lessons."""

from __future__ import annotations

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Course, Lesson
from lms_core.services.courses.checks import _check_position, _check_title, _raise_invalid, _text
from lms_core.services.courses.outline import next_position, recheck_completion_later
from lms_core.services.courses.translations import _forget_translations


LESSON_BODY_MAX_LENGTH = 200_000


def _check_lesson(title: str, body: str, position) -> None:
    errors = {}
    _check_title(title, errors)
    if len(body or "") > LESSON_BODY_MAX_LENGTH:
        errors["body"] = _("The text is too long (%(n)d characters at most).", n=LESSON_BODY_MAX_LENGTH)
    _check_position(position, errors)
    _raise_invalid(errors)


def add_lesson(
    course: Course, title: str, body: str = "", *, published: bool = True, position: int | None = None
) -> Lesson:
    """Add a lesson to a course inside the caller's transaction: checked as the
    authoring pages check it, flushed (it has an id) but not committed, so a plugin
    that builds course items with rows of its own (a SCORM import) commits them all
    together or none. Without ``position`` it goes to the end of the outline.
    Raises ``ServiceError`` (``invalid``, with the fields) on a bad title or body."""
    _check_lesson(title, body, position)
    lesson = Lesson(
        course=course,
        title=title.strip(),
        body=_text(body),
        published=bool(published),
        position=next_position(course) if position is None else position,
    )
    db.session.add(lesson)
    db.session.flush()
    return lesson


def revise_lesson(
    lesson: Lesson, *, title: str | None = None, body: str | None = None, published: bool | None = None
) -> Lesson:
    """Change what is given of a lesson inside the caller's transaction (not
    committed), checked as ``add_lesson`` checks it."""
    title = lesson.title if title is None else title
    body = lesson.body if body is None else body
    _check_lesson(title, body, None)
    lesson.title = title.strip()
    lesson.body = _text(body)
    if published is not None:
        lesson.published = bool(published)
    return lesson


def create_lesson(
    course: Course, title: str, body: str = "", position: int | None = None, published: bool = True
) -> Lesson:
    """A new lesson, committed; without ``position`` it goes to the end of the outline."""
    lesson = add_lesson(course, title, body, published=published, position=position)
    db.session.commit()
    return lesson


def update_lesson(lesson: Lesson, title: str, body: str, position: int | None = None, published: bool = True) -> Lesson:
    _check_lesson(title, body, position)
    lesson.title = title.strip()
    lesson.body = _text(body)
    lesson.published = bool(published)
    if position is not None:
        lesson.position = position
    db.session.commit()
    return lesson


def delete_lesson(lesson: Lesson) -> None:
    """Delete a lesson with its translations (learners' completions of it go too)."""
    _forget_translations([lesson])
    course_id = lesson.course_id
    db.session.delete(lesson)
    db.session.commit()
    recheck_completion_later(course_id)
