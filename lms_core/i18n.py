"""Interface language and time zone, and course content in several languages.

The interface language is the user's choice (stored on the account, or in the session
before login), then the browser's ``Accept-Language``, then the deployment default.
Course content falls back to the course's default language field by field.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_babel import Babel, Domain, format_datetime, get_locale
from jinja2 import pass_context
from markupsafe import Markup

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


class CataloguesByLocale(Domain):
    """Flask-Babel's message domain, with the catalogue of a locale found by the locale
    itself. Flask-Babel keys its cache by the locale's identifier, which Babel builds anew
    on every lookup: with the context lookups around it, 10 us for each ``_()``, and a
    course page with every plugin translates dozens of texts. Here a lookup is one
    attribute read and one dictionary read; the catalogues are Flask-Babel's, loaded once."""

    def __init__(self, domain: str):
        super().__init__(domain=domain)
        self._by_locale: dict = {}

    def get_translations(self):
        try:
            # Where Flask-Babel keeps the locale it chose for this context (or forced,
            # ``force_locale``); ``get_locale()`` itself is three more context lookups.
            locale = g._flask_babel.babel_locale
        except (AttributeError, RuntimeError):  # not chosen yet; outside an app context
            locale = None
        if locale is None:
            locale = get_locale()
        if locale is None:  # outside an app context: no catalogue
            return super().get_translations()
        found = self._by_locale.get(locale)
        if found is None:
            found = self._by_locale[locale] = super().get_translations()
        return found


def init_babel(app) -> None:
    """One Babel per app: Flask-Babel caches catalogues on the instance, and each app may
    have other plugins (and so other catalogues) than the last one built in this process."""
    babel = Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # a cached property of the instance, set once here
    babel.domain_instance = CataloguesByLocale(app.extensions["babel"].default_domain)

    def translate(text):
        return babel.domain_instance.get_translations().ugettext(text)

    def translate_plural(singular, plural, number):
        return babel.domain_instance.get_translations().ungettext(singular, plural, number)

    def translate_in_context(context, text):
        return babel.domain_instance.get_translations().upgettext(context, text)

    def translate_plural_in_context(context, singular, plural, number):
        return babel.domain_instance.get_translations().unpgettext(context, singular, plural, number)

    # The templates' translation functions, as Flask-Babel installs them ("new style":
    # ``_('%(n)d points', n=3)`` formats, autoescaped), through the domain above.
    app.jinja_env.install_gettext_callables(
        gettext=translate,
        ngettext=translate_plural,
        newstyle=True,
        pgettext=translate_in_context,
        npgettext=translate_plural_in_context,
    )

    # ``_``, ``gettext`` and ``ngettext`` as one call each: Jinja's own are three nested
    # template calls (the ``_`` alias, the formatting wrapper, the lookup), 2 us apiece.
    @pass_context
    def template_gettext(context, message, /, **variables):  # any name may be a variable
        translated = translate(message)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        if not variables and "%" not in translated:
            return translated  # what formatting would give, without its cost (Markup's % escapes)
        return translated % variables  # always a format string, as Jinja's own ("%%" is "%")

    @pass_context
    def template_ngettext(context, singular, plural, number, /, **variables):
        variables.setdefault("num", number)
        translated = translate_plural(singular, plural, number)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        return translated % variables

    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)


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

    @classmethod
    def of_many(cls, courses, language: str) -> dict[int, "ContentTranslations"]:
        """Each course's translations in ``language``, every course's in one query."""
        from lms_core.models import Translation

        texts: dict[int, dict] = {course.id: {} for course in courses}
        wanted = [course.id for course in courses if course.default_language != language]
        if wanted:
            for course_id, kind, object_id, field, text in db.session.execute(
                db.select(
                    Translation.course_id,
                    Translation.object_type,
                    Translation.object_id,
                    Translation.field,
                    Translation.text,
                ).where(Translation.course_id.in_(wanted), Translation.language == language)
            ):
                if text:
                    texts[course_id][(kind, object_id, field)] = text
        found = {}
        for course in courses:
            translations = cls.__new__(cls)
            translations.course, translations.language, translations._texts = course, language, texts[course.id]
            found[course.id] = translations
        return found

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
    return translations_in(course, str(get_locale() or course.default_language))


def translations_in(course, language: str) -> ContentTranslations:
    """Per request, course and language, the course's translations (one query each)."""
    cache = g.setdefault("lms_content_translations", {})
    key = (course.id, language)
    if key not in cache:
        cache[key] = ContentTranslations(course, language)
    return cache[key]


def preload_content_translations(courses) -> None:
    """Load the translations of many courses in the interface language in one query
    (a page listing courses), so ``localized`` answers each from the request's cache."""
    cache = g.setdefault("lms_content_translations", {})
    language = str(get_locale() or "")
    wanted = [c for c in courses if c.default_language != language and (c.id, language) not in cache]
    if wanted:
        cache.update(
            {(course_id, language): texts for course_id, texts in ContentTranslations.of_many(wanted, language).items()}
        )


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
