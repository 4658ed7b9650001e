"""A thin client of an LRS's statements resource (xAPI 1.0.3 §7.2 / 2.0.0 Part 3 §4.1).

A statement is stored with ``PUT statements?statementId=<id>``: the id is ours, so a
retry after a lost answer stores nothing twice. The LRS answers 204 when it stored it,
and 204 or 409 Conflict when it had that id already (the spec lets it choose; it must
not change the stored one): both count as sent, a 409 is noted as a duplicate. A 400
means the LRS will never take this statement; anything else (no answer within the
timeouts, 401/403, 429, 5xx) is worth trying again later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests

from lms_scorm_xapi.xapi import settings


class LrsError(Exception):
    """The LRS did not take the statement. ``retry``: whether trying again may help."""

    def __init__(self, message: str, status: int | None = None, retry: bool = True):
        super().__init__(message)
        self.status = status
        self.retry = retry


@dataclass(frozen=True)
class Sent:
    status: int
    duplicate: bool  # the LRS already had a statement with this id


def statements_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/statements"


def put_statement(statement: dict, lrs: dict | None = None, session: requests.Session | None = None) -> Sent:
    """Store one statement (it carries its ``id``) in the LRS; raises ``LrsError``."""
    lrs = lrs or settings.lrs()
    if not lrs["endpoint"]:
        raise LrsError("no LRS is configured", retry=True)
    http = session or requests
    timeout = (float(settings.config("SCORM_XAPI_CONNECT_TIMEOUT")), float(settings.config("SCORM_XAPI_READ_TIMEOUT")))
    try:
        response = http.put(
            statements_url(lrs["endpoint"]),
            params={"statementId": statement["id"]},
            json=statement,
            headers={"X-Experience-API-Version": lrs["version"]},
            auth=(lrs["key"], lrs["secret"]) if lrs["key"] else None,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        raise LrsError(f"the LRS did not answer within {timeout[0]:g}/{timeout[1]:g} s: {exc}") from exc
    except requests.RequestException as exc:
        raise LrsError(f"the LRS could not be reached: {_reason(exc)}") from exc
    status = response.status_code
    if status in (200, 204):
        return Sent(status, duplicate=False)
    if status == 409:
        return Sent(status, duplicate=True)
    detail = _detail(response)
    if status == 400:
        raise LrsError(f"the LRS refused the statement (400): {detail}", status, retry=False)
    if status in (401, 403):
        raise LrsError(f"the LRS refused the credentials ({status}): {detail}", status)
    raise LrsError(f"the LRS answered {status}: {detail}", status)


def _reason(exc: Exception) -> str:
    """The operating system's words for a failed connection ("[Errno 111] Connection
    refused"), not urllib3's three nested reprs."""
    found = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    return found.group(0).strip() if found else f"{type(exc).__name__}: {str(exc)[:300]}"


def _detail(response) -> str:
    text = (response.text or "").strip()
    return text[:500] or response.reason or ""


def check(lrs: dict) -> str:
    """The settings page's "Test the connection": read one statement with the
    credentials (``GET statements?limit=1``), then ask the ``about`` resource for the
    versions the LRS speaks (some LRSs, ralph among them, have none: then ""). Raises
    ``LrsError`` when the LRS cannot be reached or refuses the credentials."""
    timeout = (float(settings.config("SCORM_XAPI_CONNECT_TIMEOUT")), float(settings.config("SCORM_XAPI_READ_TIMEOUT")))
    headers = {"X-Experience-API-Version": lrs["version"]}
    auth = (lrs["key"], lrs["secret"]) if lrs["key"] else None
    base = lrs["endpoint"].rstrip("/")
    try:
        response = requests.get(
            base + "/statements",
            params={"limit": 1},
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=False,
        )
        if response.status_code != 200:
            raise LrsError(f"the LRS answered {response.status_code}: {_detail(response)}", response.status_code)
        about = requests.get(base + "/about", headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise LrsError(f"the LRS could not be reached: {_reason(exc)}") from exc
    try:
        versions = about.json().get("version") or [] if about.status_code == 200 else []
    except ValueError:
        versions = []
    return ", ".join(str(v) for v in versions)
