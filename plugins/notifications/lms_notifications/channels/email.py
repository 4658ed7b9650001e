"""E-mail through the core's mail service: HTML and text, ``List-Unsubscribe`` with a
signed one-click URL (RFC 8058) per scenario. A permanent refusal (5xx) marks the
address as failing: no more mail to it until the user confirms it again."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from lms_core import db
from lms_core.models.base import utcnow

from lms_notifications.channels.base import Channel, DeliveryError

SALT = "lms-notifications-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id: int, scenario: str) -> str:
    return _serializer().dumps({"u": user_id, "s": scenario})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


def unsubscribe_url(user_id: int, scenario: str) -> str:
    base = current_app.config.get("LMS_BASE_URL", "").rstrip("/")
    return f"{base}/notifications/unsubscribe/{unsubscribe_token(user_id, scenario)}"


def headers_for(user, message) -> dict:
    if not message.scenario:
        return {}
    return {"List-Unsubscribe": f"<{unsubscribe_url(user.id, message.scenario)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def mark_failing(user_id: int, address: str, reason: str) -> None:
    from lms_notifications.preferences import profile_of

    profile = profile_of(user_id, create=True)
    profile.email_failing_at = utcnow()
    profile.email_failing_reason = reason[:500]
    profile.email_failing_address = address
    db.session.commit()


def clear_failing(user_id: int) -> None:
    from lms_notifications.preferences import profile_of

    profile = profile_of(user_id)
    if profile is not None and profile.email_failing_at is not None:
        profile.email_failing_at = None
        profile.email_failing_reason = None
        profile.email_failing_address = None
        db.session.commit()


def _mail_service():
    """The core's mail service, or ``None`` while the core has none."""
    try:
        from lms_core import mail  # noqa: F401
    except ImportError:
        return None
    return mail


class EmailChannel(Channel):
    name = "email"

    def configured(self) -> bool:
        return _mail_service() is not None

    def address(self, user, profile) -> str | None:
        if profile is not None and profile.email_failing_at is not None:
            return None
        return user.email or None

    def send(self, user, address: str, message) -> str | None:
        results = list(self.send_many([(user, address, message)]))
        if isinstance(results[0], DeliveryError):
            raise results[0]
        return results[0]

    def send_many(self, items):
        raise DeliveryError("e-mail: the core has no mail service", configuration=True)
