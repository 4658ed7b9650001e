"""What a process keeps of a course's content between requests (its published outline,
the labels of its completion requirements), under the course's content version
(``lms_core.content_version``): every change of the course, its lessons, quizzes or
translations raises that number in the same transaction, so the next request of every
process reads a new key and the old entry is never seen again. Entries are per reader's
language and URL root, since they hold worded titles and links."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale

from lms_core.cache import LruCache
from lms_core.content_version import wrote_content
from lms_core.extensions import db

ENTRIES = 1024  # per process: a few kilobytes each; the least recently used go first


def _cache() -> LruCache:
    cache = current_app.extensions.get("lms_content_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("lms_content_cache", LruCache(ENTRIES))
    return cache


def kept(course, name: str, compute):
    """``compute()`` for ``course`` in the reader's language, kept until the course's
    content changes. The value must not be changed by its readers (tuples, frozen
    dataclasses). Inside a transaction that has written course content nothing is kept
    or read: what it sees is not committed yet."""
    return kept_many([course], name, lambda courses: {course.id: compute()})[course.id]


def kept_many(courses, name: str, compute_many) -> dict:
    """``kept`` for many courses at once: ``compute_many(courses)`` returns
    ``{course id: value}`` for those not kept yet, all of them in one call (a page of
    many courses reads their content in one query per table, not one per course)."""
    session = db.session()
    if wrote_content(session):
        return compute_many(list(courses))
    language = str(get_locale() or "")
    root = request.script_root if has_request_context() else None
    cache = _cache()
    # created_at as well: SQLite may give a deleted course's id to a new one.
    keys = {
        course.id: (
            name,
            course.id,
            course.created_at,
            course.content_version,
            language or course.default_language,
            root,
        )
        for course in courses
    }
    found, missing = {}, []
    for course in courses:
        value = cache.get(keys[course.id])
        if value is None:
            missing.append(course)
        else:
            found[course.id] = value
    if missing:
        computed = compute_many(missing)
        if not wrote_content(session):
            for course in missing:
                cache.put(keys[course.id], computed[course.id])
        found.update(computed)
    return found
