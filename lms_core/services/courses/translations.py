"""Translations of a course's texts into its other languages."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Choice, Course, Lesson, Question, Quiz, Translation
from lms_core.services import ServiceError
from lms_core.services.courses.catalogue import course_changed
from lms_core.services.courses.loading import load_questions
from lms_core.services.courses.checks import TITLE_MAX_LENGTH, _raise_invalid, _text


TRANSLATABLE = {"courses": Course, "lessons": Lesson, "quizzes": Quiz, "questions": Question, "choices": Choice}


def _forget_translations(objects) -> None:
    # Translations point at their object by type and id, without a foreign key, and
    # SQLite may hand a deleted row's id to the next new row: remove them with the object.
    by_type: dict[str, list[int]] = {}
    for obj in objects:
        by_type.setdefault(type(obj).__tablename__, []).append(obj.id)
    for object_type, ids in by_type.items():
        db.session.execute(
            db.delete(Translation).where(Translation.object_type == object_type, Translation.object_id.in_(ids))
        )


def load_translatable_content(course: Course) -> None:
    """Every quiz's questions and every question's choices, in two queries for the whole
    course, where not loaded yet: the translation pages walk all of them, and loading
    them quiz by quiz and question by question cost a query each (60 for 20 quizzes)."""
    load_questions(course.quizzes)


def translatable_objects(course: Course):
    """(object, field) pairs of a course whose text can be translated."""
    load_translatable_content(course)
    yield from ((course, f) for f in Course.translatable_fields)
    for lesson in course.lessons:
        yield from ((lesson, f) for f in Lesson.translatable_fields)
    for quiz in course.quizzes:
        yield from ((quiz, f) for f in Quiz.translatable_fields)
        for question in quiz.questions:
            yield question, "text"
            for choice in question.choices:
                yield choice, "text"


def set_translation(course: Course, obj, field: str, language: str, text: str) -> None:
    """Store (or with an empty text, remove) one field's translation."""
    if language == course.default_language or language not in current_app.config["LMS_LANGUAGES"]:
        raise ServiceError("invalid_language", _("Choose another language than the course's own."), 400)
    if field not in obj.translatable_fields:
        raise ServiceError("invalid_field", _("This field cannot be translated."), 400)
    object_type = type(obj).__tablename__
    row = db.session.execute(
        db.select(Translation).where(
            Translation.object_type == object_type,
            Translation.object_id == obj.id,
            Translation.field == field,
            Translation.language == language,
        )
    ).scalar_one_or_none()
    if not (text or "").strip():
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = Translation(
            course_id=course.id,
            object_type=object_type,
            object_id=obj.id,
            field=field,
            language=language,
            text="",
            source_hash="",
        )
        db.session.add(row)
    row.text = text
    row.source_hash = Translation.hash_source(getattr(obj, field))


def translation_report(course: Course) -> dict[str, dict[str, list]]:
    """For each other language: the fields whose translation is missing or out of date
    (its source changed after it was translated)."""
    rows = db.session.execute(db.select(Translation).where(Translation.course_id == course.id)).scalars()
    existing = {(r.object_type, r.object_id, r.field, r.language): r for r in rows}
    report = {}
    for language in current_app.config["LMS_LANGUAGES"]:
        if language == course.default_language:
            continue
        missing, outdated = [], []
        for obj, field in translatable_objects(course):
            source = getattr(obj, field)
            if not (source or "").strip():
                continue
            row = existing.get((type(obj).__tablename__, obj.id, field, language))
            if row is None:
                missing.append((obj, field))
            elif row.source_hash != Translation.hash_source(source):
                outdated.append((obj, field))
        report[language] = {"missing": missing, "outdated": outdated}
    return report


def save_translations(course: Course, language: str, entries) -> int:
    """Store many translations of one language at once: all are checked, then written
    in one commit. ``entries`` are ``(obj, field, text, confirmed)``; a text that equals
    the stored translation is written again only when ``confirmed`` (the teacher checked
    that it still fits a changed source), so saving a whole form never marks an
    out-of-date translation as current by accident. Returns how many fields changed."""
    if language == course.default_language or language not in current_app.config["LMS_LANGUAGES"]:
        raise ServiceError("invalid_language", _("Choose another language than the course's own."), 400)
    entries = list(entries)
    keys = [(type(obj).__tablename__, obj.id, field) for obj, field, _text, _confirmed in entries]
    rows = db.session.execute(
        db.select(Translation).where(Translation.course_id == course.id, Translation.language == language)
    ).scalars()
    stored = {(r.object_type, r.object_id, r.field): r for r in rows}
    errors = {}
    for obj, field, text, _confirmed in entries:
        if field not in obj.translatable_fields:
            raise ServiceError("invalid_field", _("This field cannot be translated."), 400)
        if field == "title" and len((text or "").strip()) > TITLE_MAX_LENGTH:
            errors[translation_key(obj, field)] = _(
                "The title is too long (%(n)d characters at most).", n=TITLE_MAX_LENGTH
            )
    _raise_invalid(errors)
    changed = 0
    for (obj, field, text, confirmed), key in zip(entries, keys):
        text = _text(text).strip()
        row = stored.get(key)
        if row is None and not text:
            continue
        if row is not None and row.text == text and not confirmed:
            continue
        set_translation(course, obj, field, language, text)
        changed += 1
    db.session.commit()
    if changed:
        course_changed()
    return changed


def translation_key(obj, field: str) -> str:
    """A stable name for one translatable field, e.g. ``lessons-12-body``."""
    return f"{type(obj).__tablename__}-{obj.id}-{field}"
