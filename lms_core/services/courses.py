"""Authoring: courses, lessons, quizzes and their translations."""
from __future__ import annotations

import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _

from lms_core import cache
from lms_core.extensions import db
from lms_core.models import Choice, Course, CourseStaff, Lesson, Question, Quiz, Translation, User
from lms_core.services import ServiceError

CATALOGUE_CACHE = "catalogue"
TRANSLATABLE = {"courses": Course, "lessons": Lesson, "quizzes": Quiz, "questions": Question, "choices": Choice}


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "course"


def unique_slug(title: str, course_id: int | None = None) -> str:
    base = slugify(title)
    slug, n = base, 2
    while db.session.execute(db.select(Course.id).where(Course.slug == slug, Course.id != (course_id or 0))).first():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_course(owner: User, title: str, summary: str = "", default_language: str | None = None,
                  slug: str | None = None) -> Course:
    language = default_language or current_app.config["LMS_DEFAULT_LANGUAGE"]
    if language not in current_app.config["LMS_LANGUAGES"]:
        raise ServiceError("invalid", _("Unknown language."), 400, {"default_language": _("Unknown language.")})
    if not (title or "").strip():
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, {"title": _("Enter a title.")})
    if slug and db.session.execute(db.select(Course.id).where(Course.slug == slug)).first():
        raise ServiceError("slug_taken", _("This address is already used by another course."), 409,
                           {"slug": _("This address is already used by another course.")})
    course = Course(title=title.strip(), summary=summary or "", default_language=language,
                    slug=slug or unique_slug(title))
    course.staff.append(CourseStaff(user_id=owner.id))
    db.session.add(course)
    db.session.commit()
    cache.invalidate(CATALOGUE_CACHE)
    return course


def course_changed() -> None:
    """Call after committing a change that the catalogue shows."""
    cache.invalidate(CATALOGUE_CACHE)


def published_courses() -> list[dict]:
    """The catalogue, cached until a course changes."""
    def compute():
        rows = db.session.execute(
            db.select(Course).where(Course.published.is_(True)).order_by(Course.title)
        ).scalars()
        return [{"id": c.id, "slug": c.slug, "title": c.title, "summary": c.summary,
                 "default_language": c.default_language} for c in rows]

    return cache.get_or_compute(CATALOGUE_CACHE, "published", compute)


def next_position(course: Course) -> int:
    positions = [item.position for item in [*course.lessons, *course.quizzes]]
    return max(positions, default=0) + 1


def outline(course: Course, include_unpublished: bool = False) -> list:
    """Lessons and quizzes in the order the learner meets them."""
    items = [*course.lessons, *course.quizzes]
    if not include_unpublished:
        items = [i for i in items if i.published]
    return sorted(items, key=lambda i: (i.position, 0 if isinstance(i, Lesson) else 1, i.id))


# ------------------------------------------------------------------ translations


def translatable_objects(course: Course):
    """(object, field) pairs of a course whose text can be translated."""
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
    row = db.session.execute(db.select(Translation).where(
        Translation.object_type == object_type, Translation.object_id == obj.id,
        Translation.field == field, Translation.language == language)).scalar_one_or_none()
    if not (text or "").strip():
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = Translation(course_id=course.id, object_type=object_type, object_id=obj.id, field=field,
                          language=language, text="", source_hash="")
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


def add_question(quiz: Quiz, kind: str, text: str, points: int = 1, choices=(), accepted_answers=()) -> Question:
    """``choices`` is a list of (text, correct) pairs for choice questions."""
    errors = {}
    if kind not in ("single", "multiple", "text"):
        errors["kind"] = _("Unknown question type.")
    if not (text or "").strip():
        errors["text"] = _("Enter the question.")
    if points is None or points < 0:
        errors["points"] = _("Points must be zero or more.")
    choices = [(t.strip(), bool(c)) for t, c in choices if (t or "").strip()]
    if kind in ("single", "multiple"):
        if len(choices) < 2:
            errors["choices"] = _("Give at least two options.")
        elif kind == "single" and sum(1 for _t, c in choices if c) != 1:
            errors["choices"] = _("Mark exactly one option as correct.")
        elif kind == "multiple" and not any(c for _t, c in choices):
            errors["choices"] = _("Mark at least one option as correct.")
    accepted = [a.strip() for a in accepted_answers if (a or "").strip()]
    if kind == "text" and not accepted:
        errors["accepted_answers"] = _("Give at least one accepted answer.")
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    question = Question(kind=kind, text=text.strip(), points=points, accepted_answers=accepted,
                        position=len(quiz.questions) + 1)
    question.choices = [Choice(text=t, correct=c, position=i) for i, (t, c) in enumerate(choices, 1)]
    quiz.questions.append(question)
    db.session.commit()
    return question
