"""URLs of the plugin's pages, also outside a request (jobs, periodic tasks, callbacks
handed to a provider): site-relative, or absolute on ``LMS_BASE_URL``."""
from __future__ import annotations

from flask import current_app


def path_for(endpoint: str, **values) -> str:
    script_name = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=script_name).build(endpoint, values)


def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/") + path_for(endpoint, **values)
