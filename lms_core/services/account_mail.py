"""The mails the core sends about an account, in the person's language, with links
built on ``LMS_BASE_URL`` (never on the request's Host header, which a client sets)."""

from __future__ import annotations

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale

from lms_core import mail


def external_url(endpoint: str, **values) -> str:
    """An absolute link to one of our pages, on the configured public address."""
    app = current_app._get_current_object()
    base = app.config["LMS_BASE_URL"].rstrip("/")
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return base + path


def language_of(user=None, locale: str | None = None) -> str:
    languages = current_app.config["LMS_LANGUAGES"]
    for candidate in (getattr(user, "locale", None), locale):
        if candidate in languages:
            return candidate
    return current_app.config["LMS_DEFAULT_LANGUAGE"]


def send(to: str, template: str, subject, language: str, **context) -> None:
    """Render ``mail/<template>.txt`` and ``.html`` in ``language`` and queue the mail.
    ``subject`` is a callable returning the translated subject."""
    with force_locale(language):
        context.setdefault("site_name", current_app.config["LMS_SITE_NAME"])
        context["language"] = language
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
        title = str(subject())
    mail.send_mail(to, title, text, html=html, headers={"X-LMS-Mail": template, "Auto-Submitted": "auto-generated"})
