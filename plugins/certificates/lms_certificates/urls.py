"""URLs of the plugin's pages, also from jobs (no request) and always on the
deployment's public address (``LMS_BASE_URL``), whatever host a request came in on."""
from __future__ import annotations

from flask import current_app, has_request_context, url_for


def path_for(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def public_url(endpoint: str, **values) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["LMS_BASE_URL"].rstrip("/") + path
