"""Where package content is served from, and the headers it gets.

Isolation (the README's "Isolation"): the player's runtime page and the package's files
are served under ``/scorm/run/<token>/`` from ``SCORM_CONTENT_ORIGIN``, another host name
of the same application. That origin holds none of the site's cookies and answers only
with a valid runtime token, so a package cannot read the LMS's cookies or call its API as
the learner, and each launch reads only its own package's files (the token names the
package version). Without the setting, the same paths are served from the site's own
origin (development), which does not isolate packages from the site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, request

from lms_scorm_xapi.scorm.settings import settings


def content_origin() -> str | None:
    origin = settings.get("SCORM_CONTENT_ORIGIN")
    return origin.rstrip("/") if origin else None


def site_origin() -> str:
    parts = urlsplit(current_app.config.get("LMS_BASE_URL") or request.host_url)
    return f"{parts.scheme}://{parts.netloc}"


def content_url(path: str) -> str:
    """``path`` (from ``url_for``) on the content origin."""
    origin = content_origin()
    return f"{origin}{path}" if origin else path


def only_on_content_origin() -> None:
    """Content answers only on its own origin when one is set (never next to the site's
    cookies)."""
    origin = content_origin()
    if origin and urlsplit(origin).netloc != request.host:
        abort(404)


# What the content origin serves: the runtime page, the package's files, the runtime
# API and the player's own static files. Nothing else of the site answers there (its
# log-in page would give a package's script a session of its own on that origin).
CONTENT_ENDPOINTS = frozenset(
    {
        "scorm_xapi.runtime_page",
        "scorm_xapi.package_file",
        "scorm_xapi.static",
        "scorm_xapi_runtime.state",
        "scorm_xapi_runtime.initialize",
        "scorm_xapi_runtime.commit",
    }
)


def keep_the_content_origin_to_content():
    """``before_request`` for the whole app: on the content origin's host, 404 for
    every page but the package content's own."""
    origin = content_origin()
    if origin and urlsplit(origin).netloc == request.host and request.endpoint not in CONTENT_ENDPOINTS:
        abort(404)


def runtime_headers(response):
    """The runtime page: our scripts only, framed only by the site."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {site_origin()}"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"  # ignored where frame-ancestors is known
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def package_headers(response):
    """A package's own file: authoring tools' pages need inline scripts and styles, so
    the policy is loose inside, but the page is framed only by its runtime page (in
    the site's player: frame-ancestors names every ancestor) and talks only to its own
    origin."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob: https:; connect-src 'self' data: blob:; "
        f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self' {site_origin()}"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
