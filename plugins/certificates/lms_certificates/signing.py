"""Signatures on verification URLs: HMAC-SHA256 with a key derived from the
deployment's ``SECRET_KEY``.

The QR code on a certificate carries ``?s=<signature>``; a number changed in the URL
(or a URL made up for a number that was never printed) then shows as not valid.
``CERTIFICATES_OLD_SECRET_KEYS`` lists earlier keys, so rotating ``SECRET_KEY`` does not
turn every printed certificate into a forgery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

SIGNATURE_BYTES = 12  # 96 bits, 16 URL-safe characters: short enough for a small QR code
_PURPOSE = b"lms-certificates/verification-url/v1"


def _key(secret: str) -> bytes:
    # A purpose-bound key: a signature made here is useless anywhere else the secret is used.
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _sign_with(secret: str, number: str) -> str:
    digest = hmac.new(_key(secret), number.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode().rstrip("=")


def sign(number: str) -> str:
    """The signature of a canonical number with the current key."""
    return _sign_with(current_app.config["SECRET_KEY"], number)


def check(number: str, signature: str) -> bool:
    """Whether ``signature`` was made for ``number`` with the current or an old key."""
    secrets = [current_app.config["SECRET_KEY"], *current_app.config.get("CERTIFICATES_OLD_SECRET_KEYS", ())]
    # As bytes: compare_digest refuses str with non-ASCII characters (a forged ?s=).
    sent = (signature or "").encode("utf-8", "replace")
    return any(hmac.compare_digest(_sign_with(secret, number).encode(), sent) for secret in secrets)
