"""The one way the providers talk to other hosts: ``requests`` with the configured
timeout, errors turned into ``ProviderError`` / ``ProviderRefused``."""

from __future__ import annotations

import requests

from lms_zoom import settings
from lms_zoom.providers import ProviderError, ProviderRefused


def call(method: str, url: str, *, expect=(200, 201, 204), allow_missing=False, **kwargs) -> requests.Response | None:
    """Send one request. ``allow_missing``: a 404 answers ``None`` (deleting what is gone)."""
    kwargs.setdefault("timeout", float(settings.get("ZOOM_HTTP_TIMEOUT")))
    try:
        response = requests.request(method, url, **kwargs)
    except requests.Timeout:
        raise ProviderError(f"{_host(url)} did not answer within {kwargs['timeout']:g} s.") from None
    except requests.RequestException as exc:
        raise ProviderError(f"{_host(url)} could not be reached ({type(exc).__name__}).") from exc
    if allow_missing and response.status_code == 404:
        return None
    if response.status_code in expect:
        return response
    detail = _detail(response)
    if response.status_code in (401, 403):
        raise ProviderRefused(
            f"{_host(url)} refused the credentials ({response.status_code}: {detail}).", response.status_code
        )
    retryable = response.status_code >= 500 or response.status_code == 429
    raise ProviderError(
        f"{_host(url)} answered {response.status_code}: {detail}", retryable=retryable, status=response.status_code
    )


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def _detail(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # Graph: {"error": {"code", "message"}}
            return f"{error.get('code', '')} {error.get('message', '')}".strip()[:300]
        return str(body.get("message") or body.get("error_description") or error or body)[:300]
    return str(body)[:300]
