"""Template helpers shared by the core's pages and the plugins' templates.

Plugins extend ``lms/base.html`` and fill its blocks (``title``, ``content``,
``scripts``); the helpers below are available in every template.
"""

from __future__ import annotations

from datetime import datetime

from flask import g
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale, to_user_timezone
from markupsafe import Markup, escape

from lms_core import i18n
from lms_core.plugins import CORE_PLUGIN_PREFIX, get_plugin_manager
from lms_core.services.markdown import render as render_markdown
from lms_core.services.markdown import render_inline as render_markdown_inline
from lms_core.services.quizzes import option_code as quiz_option_code


def navigation_links(user):
    results = get_plugin_manager().call_each_with_names("lms_navigation_links", user=_snapshot(user))
    core = [link for name, links in results if name.startswith(CORE_PLUGIN_PREFIX) for link in links]
    others = [link for name, links in results if not name.startswith(CORE_PLUGIN_PREFIX) for link in links]
    return core + others


def workspace_tabs(course) -> list:
    """The plugins' tabs of a course's teacher workspace (``lms_course_workspace_tabs``),
    sorted by order then label; computed once per request and course."""
    from lms_core.payloads import CourseInfo

    from lms_core.permissions import can

    memo = g.setdefault("lms_workspace_tabs", {})
    if course.id not in memo:
        user = g.get("user")
        if user is None or not can(user, "course.edit", course):
            memo[course.id] = []
            return []
        tabs = get_plugin_manager().call_flat(
            "lms_course_workspace_tabs", user=_snapshot(user), course=CourseInfo.of(course)
        )
        memo[course.id] = sorted(tabs, key=lambda tab: (tab.order, str(tab.label)))
    return memo[course.id]


def fragments(hook_name: str, **kwargs) -> Markup:
    """Join the HTML fragments plugins contribute to a page; plain strings are escaped."""
    parts = get_plugin_manager().call_flat(hook_name, **kwargs)
    return Markup("\n").join(p if isinstance(p, Markup) else escape(p) for p in parts)


def render_fragment(template_name: str, **context) -> Markup:
    """A small HTML fragment for another page (a plugin's part of the course page):
    rendered with only ``context`` and the Jinja environment's globals and filters
    (``_``, ``url_for``, ``|date``...), without the context processors, which a full
    page has already run once."""
    from flask import current_app

    return Markup(current_app.jinja_env.get_template(template_name).render(context))


def _snapshot(user):
    from lms_core.payloads import UserInfo

    return UserInfo.of(user) if user is not None else None


def _common_context(app) -> dict:
    from lms_core.permissions import can
    from lms_core.services.notifications import unread_count

    user = g.get("user")
    links = []

    def nav_links():
        if not links:
            links.append(navigation_links(user))
        return links[0]

    return {
        "current_user": user,
        "can": lambda action, target=None: can(user, action, target),
        "nav_links": nav_links,
        "fragments": fragments,
        "snapshot": _snapshot,
        "localized": i18n.localized,
        "current_locale": str(get_locale()),
        "language_names": _language_names(reader=True),
        "switcher_languages": _language_names(),
        "site_name": app.config["LMS_SITE_NAME"],
        "unread_notifications": unread_count(user.id) if user is not None else 0,
    }


def format_deadline(moment, with_zone: bool = True) -> str:
    """A deadline in the reader's language and time zone, without seconds, with the zone
    named: "Dec 1, 2026, 11:59 PM (Europe/Moscow)"."""
    if not moment:
        return ""
    from babel.dates import format_date as babel_date
    from babel.dates import format_time as babel_time
    from flask_babel import get_timezone, to_user_timezone

    locale = get_locale()
    local = to_user_timezone(moment)
    pattern = str(locale.datetime_formats.get("medium", "{1}, {0}"))
    # The day and the time of day (no seconds) formatted once each per request: a page
    # of 50 hand-ins shows a few days and times many times.
    day = _once("date:medium", local.date(), lambda value: babel_date(value, "medium", locale=locale))
    clock = _once(
        "time:short",
        local.time().replace(second=0, microsecond=0),
        lambda value: babel_time(value, "short", locale=locale),
    )
    text = pattern.replace("{1}", day).replace("{0}", clock)
    return f"{text} ({get_timezone()})" if with_zone else text


_LANGUAGE_NAMES = {}


def _language_names(reader: bool = False) -> dict:
    """Language names in their own language (the switcher) or the reader's, cached per
    set of languages and reader's locale."""
    from flask import current_app

    key = (tuple(current_app.config["LMS_LANGUAGES"]), str(get_locale()) if reader else None)
    if key not in _LANGUAGE_NAMES:
        _LANGUAGE_NAMES[key] = i18n.language_names(reader=reader)
    return _LANGUAGE_NAMES[key]


def init_templating(app):
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["workspace_tabs"] = workspace_tabs
    app.jinja_env.globals["option_code"] = quiz_option_code  # matching and ordering options, per learner
    app.jinja_env.filters["markdown_inline"] = render_markdown_inline
    # One style per locale: a medium date and the time without seconds ("Dec 1, 2026,
    # 11:59 PM"); ``|deadline`` adds the time zone. Other formats stay available by name.
    app.jinja_env.filters["datetime"] = lambda v, f=None: (
        "" if not v else format_deadline(v, with_zone=False) if f is None else format_datetime(v, f)
    )
    app.jinja_env.filters["deadline"] = format_deadline
    app.jinja_env.filters["date"] = format_date_once
    app.jinja_env.filters["number"] = lambda v: _once("number", v, format_decimal) if v is not None else ""
    app.jinja_env.filters["number_text"] = _number_text
    app.jinja_env.filters["percent"] = lambda v: _once("percent", v, _format_percent) if v is not None else ""

    @app.context_processor
    def common():
        # Computed once per request: plugin fragments render templates of their own,
        # and each render would otherwise repeat these queries.
        context = g.get("lms_template_context")
        if context is None:
            context = g.lms_template_context = _common_context(app)
        return context

    from lms_core.web.errors import register_error_pages

    register_error_pages(app)


def _format_percent(value) -> str:
    return format_percent(value / 100, "#,##0.#%")


_FORMATTED_KEPT = 10_000  # distinct (value, locale) texts an app keeps; past that it starts again


def _once(kind: str, value, format_value) -> str:
    """``format_value(value)`` in the reader's locale, each distinct value formatted once
    per app and locale: a teacher's page of 50 learners formats the same few percentages,
    points and dates hundreds of times, the same values come back from page to page, and
    Babel takes 20-50 us each. ``format_value`` must depend on the value and the locale
    alone (a moment is turned into the reader's zone before it gets here)."""
    from flask import current_app

    kept = current_app.extensions.setdefault("lms_formatted", {})
    key = (kind, type(value), value, str(get_locale()))
    found = kept.get(key)
    if found is None:
        if len(kept) >= _FORMATTED_KEPT:
            kept.clear()
        found = kept[key] = format_value(value)
    return found


def format_date_once(value, style: str = "medium") -> str:
    """The ``|date`` filter: the date in the reader's time zone and language; each day
    formatted once per app and language (``_once``)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()  # what format_date shows of a datetime
    return _once(f"date:{style}", value, lambda day: format_date(day, style))


def _number_text(text) -> str:
    """A number kept as text (a numeric question's accepted answers) in the reader's
    locale ("1.5" reads "1,5" in Russian); other text as it is."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return str(text)
    if not value.is_finite():
        return str(text)
    from babel.numbers import format_decimal as babel_decimal

    # every decimal the teacher wrote ("0.000001" stays itself), in the reader's signs
    return babel_decimal(value, locale=get_locale(), decimal_quantization=False)
