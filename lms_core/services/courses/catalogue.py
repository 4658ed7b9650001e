"""The cached list of published courses."""

from __future__ import annotations

from lms_core import cache
from lms_core.extensions import db
from lms_core.models import Course, Translation


CATALOGUE_CACHE = "catalogue"


def course_changed() -> None:
    """Call after committing a change that the catalogue shows."""
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


CATALOGUE_PAGE_SIZE = 24


def catalogue_cards(language: str) -> list[dict]:
    """The catalogue in one language: each published course's slug, title and summary
    (translated where a translation exists), cached until a course changes."""

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
        return [
            {
                **c,
                "title": translated.get((c["id"], "title")) or c["title"],
                "summary": translated.get((c["id"], "summary")) or c["summary"],
            }
            for c in published_courses()
        ]

    return cache.get_or_compute(CATALOGUE_CACHE, f"cards:{language}", compute)
