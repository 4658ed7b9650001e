"""Messages written from a scenario's templates, in the recipient's language.

Templates are Jinja sources: the scenario's defaults (translated through Babel) or an
admin's version per language. Admin templates run in Jinja's sandbox (no attribute
access to internals, no imports); a template that fails to compile or to render falls
back to the scenario's default, so a typo by an admin never loses a message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from lms_core import db

log = logging.getLogger("lms.notifications")

SHORT_LIMIT = 160


@dataclass(frozen=True)
class Message:
    """One message ready for any channel."""

    subject: str
    text: str
    html: str
    short: str
    url: str | None = None
    scenario: str = ""  # its scenario's name (e-mail's one-click unsubscribe is per scenario)


def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    cache = current_app.extensions.setdefault("lms_notifications", {})
    key = ("jinja", autoescape)
    if key not in cache:
        env = ImmutableSandboxedEnvironment(autoescape=autoescape, keep_trailing_newline=False)
        cache[key] = env
    return cache[key]


def _compiled(source: str, autoescape: bool):
    cache = current_app.extensions.setdefault("lms_notifications", {})
    key = ("compiled", autoescape, source)
    template = cache.get(key)
    if template is None:
        template = _environment(autoescape).from_string(source)
        if len(cache) < 2000:  # bounded: admins edit templates, they do not generate them
            cache[key] = template
    return template


def render_source(source: str, params: dict, autoescape: bool = False) -> str:
    """Render one template source in the sandbox; raises ``TemplateError`` when broken."""
    return _compiled(source, autoescape).render(**params)


def admin_sources(scenario_name: str, language: str) -> dict[str, str]:
    from lms_notifications.models import Template

    rows = db.session.execute(
        db.select(Template).where(Template.scenario == scenario_name, Template.language == language)
    ).scalars()
    return {row.part: row.source for row in rows}


def default_sources(scenario, language: str) -> dict[str, str]:
    with force_locale(language):
        return {part: str(source) for part, source in scenario.templates.items()}


def paragraphs(text: str) -> str:
    parts = [p for p in text.split("\n\n") if p.strip()]
    return "\n".join(f"<p>{Markup('<br>').join(escape(p).split(chr(10)))}</p>" for p in parts)


def render(
    scenario,
    language: str,
    params: dict,
    overrides: dict | None = None,
    use_admin: bool = True,
    admin: dict | None = None,
) -> tuple[Message, list[str]]:
    """The message of ``scenario`` in ``language``. Returns it and the parts whose
    admin template was broken (rendered from the default instead). ``admin``: the
    admin's sources when the caller has read them already (a batch)."""
    defaults = default_sources(scenario, language)
    if not use_admin:
        custom = {}
    else:
        custom = dict(admin if admin is not None else admin_sources(scenario.name, language))
    custom.update(overrides or {})
    broken: list[str] = []
    out = {}
    with force_locale(language):
        params = in_language(params)
        for part in ("subject", "text", "short"):
            out[part] = _render_part(part, custom.get(part), defaults.get(part, ""), params, broken)
        html_source = custom.get("html") or defaults.get("html")
        html = None
        if html_source:
            html = _render_part("html", custom.get("html"), defaults.get("html", ""), params, broken, autoescape=True)
        if not html:
            html = paragraphs(out["text"])
    subject = " ".join(out["subject"].split())[:300]
    short = " ".join((out["short"] or subject).split())
    return Message(
        subject=subject, text=out["text"].strip(), html=html, short=short, url=params.get("url"), scenario=scenario.name
    ), broken


def in_language(params: dict) -> dict:
    """``params`` with each name of course content kept in every language
    (``name_params``: ``course`` beside ``course_names``) in the current one."""
    from lms_core import notification_name

    named = [
        key[: -len("_names")] for key, value in params.items() if key.endswith("_names") and isinstance(value, dict)
    ]
    return {**params, **{key: notification_name(params, key) for key in named}} if named else params


def _render_part(part, custom, default, params, broken, autoescape=False) -> str:
    if custom:
        try:
            return render_source(custom, params, autoescape)
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            log.warning("the admin's %s template is broken, using the default: %s", part, exc)
            broken.append(part)
    try:
        return render_source(default, params, autoescape) if default else ""
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError):
        log.exception("the default %s template is broken", part)
        return str(params.get("title", "")) if part in ("subject", "short") else str(params.get("body", ""))


def check_source(source: str, params: dict, autoescape: bool = False) -> str | None:
    """The error an admin's template gives with the sample data, or ``None``."""
    try:
        render_source(source, params, autoescape)
    except Exception as exc:  # shown to the admin, whatever it is
        return f"{type(exc).__name__}: {exc}"
    return None


def context_for(notification, user) -> dict:
    """The values a notification's templates see: its params plus ``title``, ``body``,
    ``url`` (absolute), ``user_name`` and ``site_name``."""
    params = dict(notification.params or {})
    base = current_app.config.get("LMS_BASE_URL", "").rstrip("/")
    url = notification.url
    if url and url.startswith("/"):
        url = base + url
    params.setdefault("title", notification.title)
    params.setdefault("body", notification.body)
    params["url"] = url
    params["user_name"] = user.name
    params["site_name"] = current_app.config.get("LMS_SITE_NAME", "LMS")
    return params


def language_of(user) -> str:
    return getattr(user, "locale", None) or current_app.config["LMS_DEFAULT_LANGUAGE"]
