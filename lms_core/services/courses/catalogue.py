"""The cached list of published courses."""
from __future__ import annotations

from lms_core import cache
from lms_core.extensions import db
from lms_core.models import Course


CATALOGUE_CACHE = "catalogue"


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
