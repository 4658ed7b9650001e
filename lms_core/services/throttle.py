"""Throttling of guesses (passwords, two-factor codes, certificate numbers) that cannot
be turned against a user: failures count per (what is guessed at, address), so a
stranger's wrong passwords never lock the owner out from their own address. After a
few free failures each further one doubles the wait, up to a ceiling; a success resets.

The address is ``request.remote_addr``: behind proxies, set ``LMS_PROXY_HOPS`` so
Werkzeug's ProxyFix reads it from ``X-Forwarded-For`` (and only then)."""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, request

from lms_core import cache


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(f"{scope}\0{(subject or '').strip().lower()}\0{request.remote_addr}".encode()).hexdigest()
    return f"throttle:{scope}:{digest[:40]}"


def delay_after(failures: int, free: int | None = None) -> float:
    """Seconds to wait after ``failures`` failures in a row (``free`` of them cost nothing)."""
    free = current_app.config["LMS_THROTTLE_FREE_ATTEMPTS"] if free is None else free
    if failures < free:
        return 0.0
    base = current_app.config["LMS_THROTTLE_BASE_SECONDS"]
    return float(min(base * 2 ** (failures - free), current_app.config["LMS_THROTTLE_MAX_SECONDS"]))


def wait_seconds(scope: str, subject: str, free: int | None = None) -> int:
    """How long this address must wait before guessing at ``subject`` again (0: go)."""
    backend = cache.backend()
    key = _key(scope, subject)
    failures = int(backend.get(key + ":n") or 0)
    if not failures:
        return 0
    last = float(backend.get(key + ":at") or 0)
    remaining = last + delay_after(failures, free) - time.time()
    return max(0, math.ceil(remaining))


def failed(scope: str, subject: str) -> None:
    backend = cache.backend()
    key = _key(scope, subject)
    ttl = int(current_app.config["LMS_THROTTLE_MAX_SECONDS"]) * 4
    backend.incr(key + ":n", ttl)
    backend.set(key + ":at", repr(time.time()), ttl)


def succeeded(scope: str, subject: str) -> None:
    backend = cache.backend()
    key = _key(scope, subject)
    backend.delete(key + ":n")
    backend.delete(key + ":at")
