"""URLs of the plugin's pages from anywhere: a request, a job or the CLI."""
from __future__ import annotations

from flask import current_app, has_request_context, url_for


def path_for(endpoint: str, **values) -> str:
    """The path of a page (for notifications, which may be written in a job)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return _adapter().build(endpoint, values)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on ``LMS_BASE_URL``: what Open Badges documents point to, the
    same whichever host name the request came in on."""
    return current_app.config["LMS_BASE_URL"].rstrip("/") + _adapter().build(endpoint, values)


def _adapter():
    return current_app.url_map.bind("localhost", script_name="/")
