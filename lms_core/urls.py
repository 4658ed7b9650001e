"""Addresses of pages from anywhere: a request, a job, a periodic task or the CLI."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for
from werkzeug.routing import MapAdapter


def path_for(endpoint: str, **values: Any) -> str:
    """The site-relative path of a page (``/courses/3``), also outside a request, so a
    notification written in a job links to the same place as one written in a view."""
    if has_request_context():
        return url_for(endpoint, **values)
    return _adapter().build(endpoint, values)


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of a page on the deployment's public address (``LMS_BASE_URL``),
    whatever host name a request came in on: for e-mails, PDFs and documents that
    outlive the request (certificates, Open Badges)."""
    return current_app.config["LMS_BASE_URL"].rstrip("/") + _adapter().build(endpoint, values)


def _adapter() -> MapAdapter:
    script_name = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=script_name)
