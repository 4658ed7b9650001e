"""A course's own fields: title, address (slug), language, publication."""

from __future__ import annotations

import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core.extensions import db
from lms_core.models import Course, CourseStaff, User
from lms_core.services import ServiceError
from lms_core.services.courses.catalogue import course_changed
from lms_core.services.courses.checks import _check_title, _raise_invalid, _text


SLUG_MAX_LENGTH = 80


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# Russian titles would otherwise all become "course", "course-2", ...
CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "iu",
        "я": "ia",
    }
)


def courses_by_id(course_ids) -> dict[int, Course]:
    """``{id: Course}`` for these ids (unknown ids are left out): the courses the request
    has read already come from the session, the rest in one query."""
    wanted = {int(c) for c in course_ids}
    found = {}
    for course_id in wanted:
        course = db.session.identity_map.get(db.session.identity_key(Course, course_id))
        if course is not None:
            found[course_id] = course
    missing = sorted(wanted - found.keys())
    if missing:
        found.update({c.id: c for c in db.session.execute(db.select(Course).where(Course.id.in_(missing))).scalars()})
    return found


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


def add_course(
    owner: User,
    title: str,
    summary: str = "",
    default_language: str | None = None,
    slug: str | None = None,
    published: bool = False,
) -> Course:
    """A new course taught by ``owner``, inside the caller's transaction: checked as
    ``create_course`` checks it, flushed but not committed (a plugin that imports a
    course commits it with its own rows, or rolls everything back). Raises
    ``ServiceError`` (``invalid`` or ``slug_taken``); losing the address to another
    course at the last moment rolls the transaction back."""
    language = default_language or current_app.config["LMS_DEFAULT_LANGUAGE"]
    slug = (slug or "").strip().lower() or None
    _check_course(title, slug, language)
    course = Course(
        title=title.strip(),
        summary=_text(summary),
        default_language=language,
        slug=slug or unique_slug(title),
        published=bool(published),
    )
    course.staff.append(CourseStaff(user_id=owner.id))
    db.session.add(course)
    try:
        db.session.flush()
    except IntegrityError:
        # Another course took the address since we checked. No savepoint: on SQLite
        # (pysqlite) releasing the first savepoint would commit the caller's work.
        _slug_lost()
    return course


def create_course(
    owner: User,
    title: str,
    summary: str = "",
    default_language: str | None = None,
    slug: str | None = None,
    published: bool = False,
) -> Course:
    course = add_course(owner, title, summary, default_language, slug, published)
    _commit_course()
    course_changed()
    return course


_KEEP = object()


def update_course(
    course: Course,
    title: str,
    summary: str,
    default_language: str,
    slug: str | None = None,
    published: bool | None = None,
    starts_at=_KEEP,
) -> Course:
    """Change a course's own fields; an empty ``slug`` keeps the current address.
    ``starts_at`` (an aware datetime or ``None`` for no start date) is kept when not given."""
    slug = (slug or "").strip().lower() or course.slug
    _check_course(title, slug, default_language, course.id)
    course.title = title.strip()
    course.summary = _text(summary)
    course.default_language = default_language
    course.slug = slug
    if published is not None:
        course.published = bool(published)
    if starts_at is not _KEEP:
        if starts_at is not None and starts_at.tzinfo is None:
            raise ValueError("starts_at must be an aware datetime")
        course.starts_at = starts_at
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
            errors["slug"] = _(
                "Use lower-case Latin letters, digits and single hyphens (%(n)d characters at most).", n=SLUG_MAX_LENGTH
            )
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
        _slug_lost()


def _slug_lost() -> None:
    db.session.rollback()
    message = _("This address is already used by another course.")
    raise ServiceError("slug_taken", message, 409, {"slug": message}) from None
