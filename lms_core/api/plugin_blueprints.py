"""A plugin's own part of the JSON API, with the rules of the core's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, request

from lms_core.api.access import MAX_BODY_BYTES, guard
from lms_core.extensions import csrf


def api_blueprint(
    name: str,
    import_name: str,
    url_prefix: str | None = None,
    public: Iterable[str] = (),
    sessionless: Iterable[str] = (),
) -> Blueprint:
    """A blueprint under ``/api/v1/<name>`` (or ``url_prefix``) that behaves like the
    core's API: a personal token or the session (cookie clients send ``X-CSRFToken``
    with every change, instead of a form's CSRF field), a 1 MiB cap on JSON bodies,
    and errors as ``{"error": {"code", "message", "fields"?}}`` (raise ``ServiceError``
    or ``abort``). ``public`` names the views anybody may call without signing in
    (a certificate's verification, say). ``sessionless`` names public views that know
    who is calling from a token of their own (in the URL) and never read the signed-in
    person: the core does not load the browser's session for them (no query, no
    last-seen write, ``current_user`` is ``None``), for endpoints called many times a
    second, such as a SCORM player's commits. Name the blueprint after the plugin:
    ``api_blueprint("gamification_api", __name__, "/api/v1/gamification")``."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix or f"/api/v1/{name}")
    csrf.exempt(blueprint)
    open_endpoints = frozenset(f"{name}.{view}" for view in public)
    unsigned = frozenset(f"{name}.{view}" for view in sessionless)
    if not unsigned <= open_endpoints:
        raise ValueError(
            f"api_blueprint({name!r}): sessionless views must be public too: {sorted(unsigned - open_endpoints)}"
        )
    if unsigned:
        blueprint.record_once(lambda state: state.app.extensions.setdefault("lms_sessionless", set()).update(unsigned))

    @blueprint.before_request
    def core_api_rules() -> Any:
        if request.endpoint in open_endpoints:
            if request.mimetype != "multipart/form-data":
                request.max_content_length = MAX_BODY_BYTES
            return None
        return guard()

    return blueprint


def csrf_exempt(target: Callable | Blueprint) -> Callable | Blueprint:
    """Let a view or a whole blueprint take POSTs from outside the site, which cannot
    carry the form's CSRF token: a provider's webhook, a bot's updates, a mail client's
    one-click unsubscribe. Use it as a decorator on a view or call it on a blueprint.

    Without the token nothing proves a request came from the sender it claims, so such a
    view must check a signature or a secret of its own (the provider's webhook signature,
    an unguessable token in the URL) before it believes the request, and answer quickly:
    the work goes into a job."""
    csrf.exempt(target)
    return target
