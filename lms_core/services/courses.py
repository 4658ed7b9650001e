"""Authoring: courses, lessons, quizzes and their translations."""
from __future__ import annotations

import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core import cache
from lms_core.extensions import db
from lms_core.models import Attempt, Choice, Course, CourseStaff, Lesson, Question, Quiz, Translation, User
from lms_core.models.quizzes import QUESTION_KINDS
from lms_core.services import ServiceError

CATALOGUE_CACHE = "catalogue"
TRANSLATABLE = {"courses": Course, "lessons": Lesson, "quizzes": Quiz, "questions": Question, "choices": Choice}
TITLE_MAX_LENGTH = 200  # the width of every title column
SLUG_MAX_LENGTH = 80
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_BODY_MAX_LENGTH = 200_000


# Russian titles would otherwise all become "course", "course-2", ...
CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
})


def slugify(text: str) -> str:
    text = (text or "").lower().translate(CYRILLIC_TO_LATIN)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "course"


def unique_slug(title: str, course_id: int | None = None) -> str:
    base = slugify(title)
    slug, n = base, 2
    while db.session.execute(db.select(Course.id).where(Course.slug == slug, Course.id != (course_id or 0))).first():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_course(owner: User, title: str, summary: str = "", default_language: str | None = None,
                  slug: str | None = None, published: bool = False) -> Course:
    language = default_language or current_app.config["LMS_DEFAULT_LANGUAGE"]
    slug = (slug or "").strip().lower() or None
    _check_course(title, slug, language)
    course = Course(title=title.strip(), summary=_text(summary), default_language=language,
                    slug=slug or unique_slug(title), published=bool(published))
    course.staff.append(CourseStaff(user_id=owner.id))
    db.session.add(course)
    _commit_course()
    course_changed()
    return course


def update_course(course: Course, title: str, summary: str, default_language: str, slug: str | None = None,
                  published: bool | None = None) -> Course:
    """Change a course's own fields; an empty ``slug`` keeps the current address."""
    slug = (slug or "").strip().lower() or course.slug
    _check_course(title, slug, default_language, course.id)
    course.title = title.strip()
    course.summary = _text(summary)
    course.default_language = default_language
    course.slug = slug
    if published is not None:
        course.published = bool(published)
    _commit_course()
    course_changed()
    return course


def set_course_published(course: Course, published: bool) -> Course:
    course.published = bool(published)
    db.session.commit()
    course_changed()
    return course


def _check_course(title: str, slug: str | None, language: str, course_id: int | None = None) -> None:
    errors = {}
    _check_title(title, errors)
    if language not in current_app.config["LMS_LANGUAGES"]:
        errors["default_language"] = _("Unknown language.")
    slug_taken = False
    if slug:
        if len(slug) > SLUG_MAX_LENGTH or not SLUG_RE.match(slug):
            errors["slug"] = _("Use lower-case Latin letters, digits and single hyphens (%(n)d characters at most).",
                               n=SLUG_MAX_LENGTH)
        elif db.session.execute(db.select(Course.id).where(Course.slug == slug, Course.id != (course_id or 0))).first():
            errors["slug"] = _("This address is already used by another course.")
            slug_taken = True
    if slug_taken and len(errors) == 1:
        raise ServiceError("slug_taken", errors["slug"], 409, errors)
    _raise_invalid(errors)


def _commit_course() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # another course took the address since we checked
        db.session.rollback()
        message = _("This address is already used by another course.")
        raise ServiceError("slug_taken", message, 409, {"slug": message}) from None


def _raise_invalid(errors: dict) -> None:
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)


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


CATALOGUE_PAGE_SIZE = 24


def catalogue_cards(language: str) -> list[dict]:
    """The catalogue in one language: each published course's slug, title and summary
    (translated where a translation exists), cached until a course changes."""
    def compute():
        translated = {}
        rows = db.session.execute(db.select(Translation.object_id, Translation.field, Translation.text).where(
            Translation.object_type == "courses", Translation.language == language,
            Translation.field.in_(("title", "summary"))))
        for object_id, field, text in rows:
            if text:
                translated[(object_id, field)] = text
        return [{**c, "title": translated.get((c["id"], "title")) or c["title"],
                 "summary": translated.get((c["id"], "summary")) or c["summary"]}
                for c in published_courses()]

    return cache.get_or_compute(CATALOGUE_CACHE, f"cards:{language}", compute)


def next_position(course: Course) -> int:
    positions = [item.position for item in [*course.lessons, *course.quizzes]]
    return max(positions, default=0) + 1


def outline(course: Course, include_unpublished: bool = False) -> list:
    """Lessons and quizzes in the order the learner meets them."""
    items = [*course.lessons, *course.quizzes]
    if not include_unpublished:
        items = [i for i in items if i.published]
    return sorted(items, key=lambda i: (i.position, 0 if isinstance(i, Lesson) else 1, i.id))


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


def _forget_translations(objects) -> None:
    # Translations point at their object by type and id, without a foreign key, and
    # SQLite may hand a deleted row's id to the next new row: remove them with the object.
    by_type: dict[str, list[int]] = {}
    for obj in objects:
        by_type.setdefault(type(obj).__tablename__, []).append(obj.id)
    for object_type, ids in by_type.items():
        db.session.execute(db.delete(Translation).where(
            Translation.object_type == object_type, Translation.object_id.in_(ids)))


def _text(value: str | None) -> str:
    """Multi-line text as stored: browsers send CRLF, the source hashes must not see it."""
    return (value or "").replace("\r\n", "\n")


def _check_position(position, errors: dict) -> None:
    if position is not None and position < 0:
        errors["position"] = _("The position must be zero or more.")


def _check_title(title: str, errors: dict) -> None:
    if not (title or "").strip():
        errors["title"] = _("Enter a title.")
    elif len(title.strip()) > TITLE_MAX_LENGTH:
        errors["title"] = _("The title is too long (%(n)d characters at most).", n=TITLE_MAX_LENGTH)


# ------------------------------------------------------------------ teachers of a course


def add_staff(course: Course, email: str) -> CourseStaff:
    """Make the teacher with this e-mail address a co-teacher of the course."""
    email = (email or "").strip().lower()
    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.active:
        raise ServiceError("unknown_user", _("Nobody with this e-mail address has an account."), 404,
                           {"email": _("Nobody with this e-mail address has an account.")})
    if not user.is_teacher:
        message = _("%(name)s is not a teacher. An administrator can give them the teacher role.", name=user.name)
        raise ServiceError("not_a_teacher", message, 409, {"email": message})
    if any(member.user_id == user.id for member in course.staff):
        message = _("%(name)s already teaches this course.", name=user.name)
        raise ServiceError("already_staff", message, 409, {"email": message})
    member = CourseStaff(course=course, user=user)
    db.session.add(member)
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the first request added them
        db.session.rollback()
        message = _("%(name)s already teaches this course.", name=user.name)
        raise ServiceError("already_staff", message, 409, {"email": message}) from None
    return member


def remove_staff(course: Course, user_id: int) -> None:
    member = next((m for m in course.staff if m.user_id == user_id), None)
    if member is None:
        raise ServiceError("not_found", _("This person does not teach the course."), 404)
    if len(course.staff) == 1:
        raise ServiceError("last_teacher", _("A course needs at least one teacher: add another one first."), 409)
    course.staff.remove(member)
    db.session.commit()


# ------------------------------------------------------------------ lessons


def _check_lesson(title: str, body: str, position) -> None:
    errors = {}
    _check_title(title, errors)
    if len(body or "") > LESSON_BODY_MAX_LENGTH:
        errors["body"] = _("The text is too long (%(n)d characters at most).", n=LESSON_BODY_MAX_LENGTH)
    _check_position(position, errors)
    _raise_invalid(errors)


def create_lesson(course: Course, title: str, body: str = "", position: int | None = None,
                  published: bool = True) -> Lesson:
    """A new lesson; without ``position`` it goes to the end of the outline."""
    _check_lesson(title, body, position)
    lesson = Lesson(course=course, title=title.strip(), body=_text(body), published=bool(published),
                    position=next_position(course) if position is None else position)
    db.session.add(lesson)
    db.session.commit()
    return lesson


def update_lesson(lesson: Lesson, title: str, body: str, position: int | None = None,
                  published: bool = True) -> Lesson:
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


# ------------------------------------------------------------------ quizzes


def _check_quiz(title: str, pass_percent, max_attempts, time_limit_minutes, position) -> None:
    errors = {}
    _check_title(title, errors)
    if pass_percent is None or not 1 <= pass_percent <= 100:
        errors["pass_percent"] = _("The pass mark must be between 1 and 100.")
    if max_attempts is not None and max_attempts < 1:
        errors["max_attempts"] = _("Allow at least one attempt, or leave the field empty for no limit.")
    if time_limit_minutes is not None and time_limit_minutes < 1:
        errors["time_limit_minutes"] = _("The time limit must be at least one minute, or empty for none.")
    _check_position(position, errors)
    _raise_invalid(errors)


def create_quiz(course: Course, title: str, description: str = "", pass_percent: int = 60,
                max_attempts: int | None = None, time_limit_minutes: int | None = None,
                position: int | None = None, published: bool = True) -> Quiz:
    """A new quiz without questions; without ``position`` it goes to the end of the outline."""
    _check_quiz(title, pass_percent, max_attempts, time_limit_minutes, position)
    quiz = Quiz(course=course, title=title.strip(), description=_text(description), pass_percent=pass_percent,
                max_attempts=max_attempts, time_limit_minutes=time_limit_minutes, published=bool(published),
                position=next_position(course) if position is None else position)
    db.session.add(quiz)
    db.session.commit()
    return quiz


def update_quiz(quiz: Quiz, title: str, description: str, pass_percent: int, max_attempts: int | None,
                time_limit_minutes: int | None, position: int | None = None, published: bool = True) -> Quiz:
    """Change a quiz's settings. Attempts already submitted keep their score and result."""
    _check_quiz(title, pass_percent, max_attempts, time_limit_minutes, position)
    quiz.title = title.strip()
    quiz.description = _text(description)
    quiz.pass_percent = pass_percent
    quiz.max_attempts = max_attempts
    quiz.time_limit_minutes = time_limit_minutes
    quiz.published = bool(published)
    if position is not None:
        quiz.position = position
    db.session.commit()
    return quiz


def delete_quiz(quiz: Quiz) -> None:
    """Delete a quiz with its questions, translations and every attempt at it."""
    _forget_translations([quiz, *quiz.questions, *(c for q in quiz.questions for c in q.choices)])
    course_id = quiz.course_id
    db.session.delete(quiz)
    db.session.commit()
    recheck_completion_later(course_id)


def recheck_completion_later(course_id: int) -> None:
    """A removed lesson or quiz may be all that kept some learners from completing."""
    from lms_core.jobs import enqueue
    from lms_core.services.progress import recheck_course

    enqueue(recheck_course, course_id)


def attempt_count(quiz: Quiz) -> int:
    return db.session.execute(db.select(db.func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))).scalar_one()


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
    rows = db.session.execute(db.select(Translation).where(
        Translation.course_id == course.id, Translation.language == language)).scalars()
    stored = {(r.object_type, r.object_id, r.field): r for r in rows}
    errors = {}
    for (obj, field, text, _confirmed), key in zip(entries, keys):
        if field not in obj.translatable_fields:
            raise ServiceError("invalid_field", _("This field cannot be translated."), 400)
        if field == "title" and len((text or "").strip()) > TITLE_MAX_LENGTH:
            errors[translation_key(obj, field)] = _("The title is too long (%(n)d characters at most).",
                                                    n=TITLE_MAX_LENGTH)
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


# ------------------------------------------------------------------ questions


def _check_question(kind: str, text: str, points, choices, accepted_answers, position=None):
    """The question's data cleaned, or ServiceError with every field's problem.
    ``choices`` are (text, correct) or (text, correct, choice_id) tuples."""
    errors = {}
    if kind not in QUESTION_KINDS:
        errors["kind"] = _("Unknown question type.")
    text = _text(text)
    if not text.strip():
        errors["text"] = _("Enter the question.")
    if points is None or points < 0:
        errors["points"] = _("Points must be zero or more.")
    _check_position(position, errors)
    choices = [(c[0].strip(), bool(c[1]), c[2] if len(c) > 2 else None) for c in choices if (c[0] or "").strip()]
    if kind in ("single", "multiple"):
        if len(choices) < 2:
            errors["choices"] = _("Give at least two options.")
        elif kind == "single" and sum(1 for c in choices if c[1]) != 1:
            errors["choices"] = _("Mark exactly one option as correct.")
        elif kind == "multiple" and not any(c[1] for c in choices):
            errors["choices"] = _("Mark at least one option as correct.")
    accepted = [a.strip() for a in accepted_answers if (a or "").strip()]
    if kind == "text" and not accepted:
        errors["accepted_answers"] = _("Give at least one accepted answer.")
    _raise_invalid(errors)
    if kind == "text":
        return text.strip(), [], accepted
    return text.strip(), choices, []


def add_question(quiz: Quiz, kind: str, text: str, points: int = 1, choices=(), accepted_answers=(),
                 position: int | None = None) -> Question:
    """``choices`` is a list of (text, correct) pairs for choice questions; without
    ``position`` the question comes last."""
    text, choices, accepted = _check_question(kind, text, points, choices, accepted_answers, position)
    question = Question(kind=kind, text=text, points=points, accepted_answers=accepted,
                        position=len(quiz.questions) + 1)
    question.choices = [Choice(text=t, correct=c, position=i) for i, (t, c, _id) in enumerate(choices, 1)]
    quiz.questions.append(question)
    if position is not None:
        _place_question(quiz, question, position)
    db.session.commit()
    return question


def update_question(question: Question, kind: str, text: str, points: int, choices=(), accepted_answers=(),
                    position: int | None = None) -> Question:
    """Change a question. Options given with their id keep it (and so their translations
    and the answers of past attempts); options left out are deleted. Attempts already
    submitted keep their score."""
    text, choices, accepted = _check_question(kind, text, points, choices, accepted_answers, position)
    existing = {c.id: c for c in question.choices}
    kept = []
    for number, (choice_text, correct, choice_id) in enumerate(choices, 1):
        choice = existing.pop(choice_id, None) if choice_id is not None else None
        choice = choice or Choice(text=choice_text, correct=correct)
        choice.text, choice.correct, choice.position = choice_text, correct, number
        kept.append(choice)
    _forget_translations(existing.values())
    question.kind, question.text, question.points = kind, text, points
    question.accepted_answers = accepted
    question.choices = kept
    if position is not None:
        _place_question(question.quiz, question, position)
    db.session.commit()
    return question


def delete_question(question: Question) -> None:
    quiz = question.quiz
    _forget_translations([question, *question.choices])
    quiz.questions.remove(question)
    for number, other in enumerate(quiz.questions, 1):
        other.position = number
    db.session.commit()


def _place_question(quiz: Quiz, question: Question, position: int) -> None:
    others = [q for q in quiz.questions if q is not question]
    index = min(max(position, 1), len(others) + 1) - 1
    for number, other in enumerate([*others[:index], question, *others[index:]], 1):
        other.position = number
