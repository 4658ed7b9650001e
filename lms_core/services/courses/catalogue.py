"""The cached list of published courses, and searching it.

The catalogue of each reading language is computed in a few statements (courses,
their translations, teachers, pictures, languages) and cached until a course changes;
a search, a language filter and a page are then cut from the cached cards without
asking the database again. Matching in Python (``casefold``) also finds Cyrillic
words whatever their case, which SQLite's ``LIKE`` does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms_core import cache
from lms_core.extensions import db
from lms_core.models import Course, CourseImage, CourseStaff, Translation, User


CATALOGUE_CACHE = "catalogue"
CATALOGUE_PAGE_SIZE = 24
SEARCH_MAX_LENGTH = 200


def course_changed() -> None:
    """Call after committing a change that the catalogue shows (a course's fields, its
    picture, its teachers or their names, a translation)."""
    cache.invalidate(CATALOGUE_CACHE)


def published_courses() -> list[dict]:
    """The catalogue, cached until a course changes."""

    def compute():
        rows = db.session.execute(db.select(Course).where(Course.published.is_(True)).order_by(Course.title)).scalars()
        return [
            {"id": c.id, "slug": c.slug, "title": c.title, "summary": c.summary, "default_language": c.default_language}
            for c in rows
        ]

    return cache.get_or_compute(CATALOGUE_CACHE, "published", compute)


def _course_facts(ids: list[int]) -> dict:
    """Per published course: its teachers' names, its picture's hash and the languages
    it has content in (its own and each one with a translation): three statements."""
    teachers: dict[int, list[str]] = {}
    images: dict[int, str] = {}
    languages: dict[int, set[str]] = {}
    if ids:
        for course_id, name in db.session.execute(
            db.select(CourseStaff.course_id, User.name)
            .join(User, User.id == CourseStaff.user_id)
            .where(CourseStaff.course_id.in_(ids))
            .order_by(CourseStaff.course_id, CourseStaff.id)
        ):
            teachers.setdefault(course_id, []).append(name)
        images = {
            course_id: sha256
            for course_id, sha256 in db.session.execute(
                db.select(CourseImage.course_id, CourseImage.sha256).where(CourseImage.course_id.in_(ids))
            )
        }
        for course_id, language in db.session.execute(
            db.select(Translation.course_id, Translation.language)
            .where(Translation.course_id.in_(ids), Translation.text != "")
            .distinct()
        ):
            languages.setdefault(course_id, set()).add(language)
    return {"teachers": teachers, "images": images, "languages": languages}


def catalogue_cards(language: str) -> list[dict]:
    """The catalogue in one language: each published course's slug, title and summary
    (translated where a translation exists), its teachers' names, its picture (``image``:
    a hash for its address, or ``None``) and ``languages`` (those it has content in),
    cached until a course changes. Shared by every request of the process
    (``cache.get_or_compute_shared``): read the cards, never change them."""

    def compute():
        translated = {}
        rows = db.session.execute(
            db.select(Translation.object_id, Translation.field, Translation.text).where(
                Translation.object_type == "courses",
                Translation.language == language,
                Translation.field.in_(("title", "summary")),
            )
        )
        for object_id, field, text in rows:
            if text:
                translated[(object_id, field)] = text
        published = published_courses()
        facts = _course_facts([c["id"] for c in published])
        cards = []
        for c in published:
            title = translated.get((c["id"], "title")) or c["title"]
            summary = translated.get((c["id"], "summary")) or c["summary"]
            cards.append(
                {
                    **c,
                    "title": title,
                    "summary": summary,
                    "teachers": facts["teachers"].get(c["id"], []),
                    "image": facts["images"].get(c["id"]),
                    "languages": sorted(facts["languages"].get(c["id"], set()) | {c["default_language"]}),
                    "search_text": f"{title}\n{summary}".casefold(),
                }
            )
        return cards

    # the whole catalogue on every view of its page: decoded once per process (read-only)
    return cache.get_or_compute_shared(CATALOGUE_CACHE, f"cards:{language}", compute)


@dataclass(frozen=True)
class CataloguePage:
    """One page of the catalogue as a reader asked for it."""

    cards: list[dict]
    page: int
    pages: int
    total: int  # courses that match, on every page
    query: str
    language: str  # the content language filter, "" for any
    languages: list[str]  # languages some published course has content in


def search_catalogue(reading_language: str, query: str = "", language: str = "", page: int = 1) -> CataloguePage:
    """The published courses whose title or summary, as the reader sees them (in
    ``reading_language``, else the course's own language), contain every word of
    ``query`` (any case), and, with ``language``, that have content in that language;
    the ``page``-th page of them (out-of-range pages give the nearest one)."""
    cards = catalogue_cards(reading_language)
    query = " ".join((query or "").split())[:SEARCH_MAX_LENGTH]
    available = sorted({code for card in cards for code in card["languages"]})
    language = language if language in available else ""
    words = query.casefold().split()
    found = [
        card
        for card in cards
        if all(word in card["search_text"] for word in words) and (not language or language in card["languages"])
    ]
    size = CATALOGUE_PAGE_SIZE
    pages = max(-(-len(found) // size), 1)
    page = min(max(page, 1), pages)
    return CataloguePage(
        cards=found[(page - 1) * size : page * size],
        page=page,
        pages=pages,
        total=len(found),
        query=query,
        language=language,
        languages=available,
    )
