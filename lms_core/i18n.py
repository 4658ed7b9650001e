"""Interface language and time zone, and course content in several languages.

The interface language is the user's choice (stored on the account, or in the session
before login), then the browser's ``Accept-Language``, then the deployment default.
Course content falls back to the course's default language field by field.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_babel import format_datetime

from lms_core.extensions import db


def select_locale():
    user = g.get("user")
    languages = current_app.config["LMS_LANGUAGES"]
    if user is not None and user.locale in languages:
        return user.locale
    if not has_request_context():  # a job or the CLI: notifications force their own locale
        return current_app.config["LMS_DEFAULT_LANGUAGE"]
    if session.get("locale") in languages:
        return session["locale"]
    if request:
        match = request.accept_languages.best_match(languages)
        if match:
            return match
    return current_app.config["LMS_DEFAULT_LANGUAGE"]


def select_timezone():
    user = g.get("user")
    if user is not None and user.timezone:
        return user.timezone
    return current_app.config["LMS_DEFAULT_TIMEZONE"]


def translation_directories(app, plugin_folders) -> str:
    import os

    # Later catalogues override earlier ones for the same message: the core's come last,
    # so a plugin that reuses a core string cannot change the core's pages.
    folders = [*map(str, plugin_folders), os.path.join(app.root_path, "translations")]
    return ";".join(folders)


def language_names(reader: bool = False):
    """Each interface language in its own name (for the language switcher), or with
    ``reader=True`` in the reader's current language ("Английский" for a Russian
    reader), for every other place that names a language."""
    from babel import Locale
    from flask_babel import get_locale

    shown_in = str(get_locale() or current_app.config["LMS_DEFAULT_LANGUAGE"]) if reader else None
    return {
        code: (Locale.parse(code).get_display_name(shown_in or code) or code).capitalize()
        for code in current_app.config["LMS_LANGUAGES"]
    }


class ContentTranslations:
    """Translations of one course's content in one language, loaded in one query."""

    def __init__(self, course, language: str):
        from lms_core.models import Translation

        self.course = course
        self.language = language
        self._texts: dict[tuple[str, int, str], str] = {}
        if language != course.default_language:
            rows = db.session.execute(
                db.select(Translation.object_type, Translation.object_id, Translation.field, Translation.text).where(
                    Translation.course_id == course.id, Translation.language == language
                )
            )
            self._texts = {(t, i, f): text for t, i, f, text in rows if text}

    def get(self, obj, field: str) -> str:
        """The field in this language, or in the course's default language."""
        key = (object_type(obj), obj.id, field)
        return self._texts.get(key) or getattr(obj, field)

    def text(self, object_type: str, object_id: int, field: str, default: str) -> str:
        """As ``get``, for a row read without its model (``"lessons"``, id, ``"title"``)."""
        return self._texts.get((object_type, object_id, field)) or default


def object_type(obj) -> str:
    return type(obj).__tablename__


def content_translations(course) -> ContentTranslations:
    """Per request and course, the translations in the interface language."""
    from flask_babel import get_locale

    cache = g.setdefault("lms_content_translations", {})
    language = str(get_locale() or course.default_language)
    key = (course.id, language)
    if key not in cache:
        cache[key] = ContentTranslations(course, language)
    return cache[key]


def preload_content_translations(courses) -> None:
    """Load the translations of many courses in the interface language in one query
    (a page listing courses), so ``localized`` answers each from the request's cache."""
    from flask_babel import get_locale

    from lms_core.models import Translation

    cache = g.setdefault("lms_content_translations", {})
    language = str(get_locale() or "")
    wanted = {c.id: c for c in courses if c.default_language != language and (c.id, language) not in cache}
    if not wanted:
        return
    texts = {course_id: {} for course_id in wanted}
    for course_id, object_type, object_id, field, text in db.session.execute(
        db.select(
            Translation.course_id, Translation.object_type, Translation.object_id, Translation.field, Translation.text
        ).where(Translation.course_id.in_(list(wanted)), Translation.language == language)
    ):
        if text:
            texts[course_id][(object_type, object_id, field)] = text
    for course_id, course in wanted.items():
        translations = ContentTranslations.__new__(ContentTranslations)
        translations.course, translations.language, translations._texts = course, language, texts[course_id]
        cache[(course_id, language)] = translations


def localized(obj, field: str, course=None) -> str:
    course = course or getattr(obj, "course", None) or obj
    return content_translations(course).get(obj, field)


def content_text(course, object_type: str, object_id: int, field: str, default: str) -> str:
    """As ``localized``, for content known by its table and id (a title kept in a
    plugin's own row, ``"quizzes"``, 12, ``"title"``): the field in the interface
    language, else ``default``. Call ``preload_content_translations`` first on a page
    about many courses."""
    return content_translations(course).text(object_type, object_id, field, default)


def format_when(value) -> str:
    return format_datetime(value, "medium") if value else ""
