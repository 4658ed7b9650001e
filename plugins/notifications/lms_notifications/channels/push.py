"""Web Push with VAPID (pywebpush encrypts with aes128gcm and signs with py-vapid).

The deployment's VAPID key pair is made on first use and kept in the settings table;
the browser subscribes with its public key (static/push.js and the service worker
static/sw.js). One subscription per browser (its endpoint); a push service that answers
404 or 410 has forgotten the subscription, so it is deleted."""

from __future__ import annotations

import hashlib
import json

from flask import current_app

from lms_core import db

from lms_notifications import settings
from lms_notifications.channels.base import Channel, DeliveryError


def _vapid():
    from py_vapid import Vapid02

    keys = settings.get("vapid")
    if not keys.get("private_pem"):
        vapid = Vapid02()
        vapid.generate_keys()
        keys = {"private_pem": vapid.private_pem().decode()}
        settings.put("vapid", keys)
    return Vapid02.from_pem(keys["private_pem"].encode())


def public_key() -> str:
    """The VAPID public key as the browser's ``applicationServerKey`` (base64url)."""
    from cryptography.hazmat.primitives import serialization
    from py_vapid.utils import b64urlencode

    raw = _vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64urlencode(raw)


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscribe(user_id: int, endpoint: str, p256dh: str, auth: str, user_agent: str | None = None):
    """Keep one subscription per browser: a known endpoint moves to this user."""
    from lms_notifications.models import PushSubscription

    if not endpoint.startswith("https://") and not current_app.config.get("TESTING"):
        raise ValueError("endpoint")
    row = db.session.execute(
        db.select(PushSubscription).where(PushSubscription.endpoint_hash == endpoint_hash(endpoint))
    ).scalar_one_or_none()
    if row is None:
        row = PushSubscription(endpoint_hash=endpoint_hash(endpoint), endpoint=endpoint)
        db.session.add(row)
    row.user_id, row.p256dh, row.auth, row.user_agent = user_id, p256dh, auth, (user_agent or "")[:300]
    db.session.commit()
    return row


def unsubscribe(user_id: int, endpoint: str) -> bool:
    from lms_notifications.models import PushSubscription

    removed = db.session.execute(
        db.delete(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.endpoint_hash == endpoint_hash(endpoint)
        )
    ).rowcount
    db.session.commit()
    return bool(removed)


def subscriptions_of(user_id: int):
    from lms_notifications.models import PushSubscription

    return (
        db.session.execute(
            db.select(PushSubscription).where(PushSubscription.user_id == user_id).order_by(PushSubscription.id)
        )
        .scalars()
        .all()
    )


class PushChannel(Channel):
    name = "push"

    def address(self, user, profile) -> str | None:
        count = len(subscriptions_of(user.id))
        return f"{count} browser(s)" if count else None

    def send(self, user, address: str, message) -> str | None:
        from pywebpush import WebPushException, webpush

        payload = json.dumps({"title": message.subject, "body": message.short, "url": message.url}, ensure_ascii=False)
        subject = settings.get("vapid").get("subject") or f"mailto:admin@{_host()}"
        sent, errors, gone = 0, [], []
        vapid = _vapid()
        for sub in subscriptions_of(user.id):
            info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
            try:
                webpush(
                    info,
                    data=payload,
                    vapid_private_key=vapid,
                    vapid_claims={"sub": subject},
                    ttl=86400,
                    timeout=settings.config("NOTIFICATIONS_HTTP_TIMEOUT"),
                )
                sent += 1
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in (404, 410):
                    gone.append(sub)
                else:
                    errors.append(f"push service {status or ''}: {str(exc).splitlines()[0]}")
            except Exception as exc:  # requests' connection errors and the like
                errors.append(f"push service unreachable: {type(exc).__name__}: {exc}")
        for sub in gone:
            db.session.delete(sub)
        db.session.commit()
        if sent:
            return f"{sent} browser(s)"
        if errors:
            raise DeliveryError("; ".join(errors)[:1000])
        raise DeliveryError("push: every subscription has expired (404/410); they were deleted", permanent=True)


def _host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(current_app.config.get("LMS_BASE_URL", "http://localhost")).hostname or "localhost"
