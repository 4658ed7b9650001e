"""Telegram through the Bot API (its base URL is a setting): ``sendMessage`` to the
chat a user linked through a one-time deep link ``https://t.me/<bot>?start=<token>``.
The bot's updates (the ``/start <token>`` message) arrive by webhook or, without one,
by ``getUpdates`` in a periodic task."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

import requests

from lms_core import db
from lms_core.models.base import utcnow

from lms_notifications import settings
from lms_notifications.channels.base import Channel, DeliveryError, http_error

LINK_LIFETIME = timedelta(hours=1)


def bot() -> dict:
    return settings.get("telegram")


def call(method: str, payload: dict | None = None, token: str | None = None) -> dict:
    """Call a Bot API method; returns its ``result`` or raises ``DeliveryError`` with
    the API's ``description``."""
    token = token or bot().get("token")
    if not token:
        raise DeliveryError("Telegram: no bot token is set", configuration=True)
    url = f"{settings.config('NOTIFICATIONS_TELEGRAM_API_URL').rstrip('/')}/bot{token}/{method}"
    try:
        response = requests.post(url, json=payload or {}, timeout=settings.config("NOTIFICATIONS_HTTP_TIMEOUT"))
        body = response.json()
    except requests.RequestException as exc:
        raise http_error("Telegram", exc) from exc
    except ValueError:
        raise DeliveryError(f"Telegram {response.status_code}: not a JSON answer") from None
    if not body.get("ok"):
        code = body.get("error_code", response.status_code)
        raise DeliveryError(
            f"Telegram {code}: {body.get('description', '')}",
            configuration=code in (401, 404),
            permanent=code in (400, 403),
        )
    return body.get("result")


def set_token(token: str) -> dict:
    """Check the admin's token with ``getMe`` and keep it with the bot's username."""
    me = call("getMe", token=token)
    current = bot()
    current.update(
        token=token,
        username=me.get("username", ""),
        offset=0,
        webhook_secret=current.get("webhook_secret") or secrets.token_urlsafe(24),
    )
    settings.put("telegram", current)
    return current


def link_url(user_id: int) -> str | None:
    """A fresh one-time deep link for ``user_id`` (``None`` without a bot)."""
    from lms_notifications.preferences import profile_of

    username = bot().get("username")
    if not username:
        return None
    profile = profile_of(user_id, create=True)
    profile.telegram_link_token = secrets.token_urlsafe(24)
    profile.telegram_link_expires_at = utcnow() + LINK_LIFETIME
    db.session.commit()
    return f"https://t.me/{username}?start={profile.telegram_link_token}"


def handle_update(update: dict) -> bool:
    """A bot update: ``/start <token>`` links the chat to the token's user (once)."""
    from lms_notifications.models import Profile

    message = update.get("message") or {}
    text = (message.get("text") or "").strip()
    chat = (message.get("chat") or {}).get("id")
    if not text.startswith("/start ") or chat is None:
        return False
    token = text.split(None, 1)[1].strip()
    profile = db.session.execute(db.select(Profile).where(Profile.telegram_link_token == token)).scalar_one_or_none()
    if profile is None or profile.telegram_link_expires_at is None or profile.telegram_link_expires_at < utcnow():
        return False
    profile.telegram_chat_id = str(chat)
    profile.telegram_link_token = None
    profile.telegram_link_expires_at = None
    db.session.commit()
    try:
        from flask_babel import force_locale, gettext as _

        from lms_core.models import User

        user = db.session.get(User, profile.user_id)
        with force_locale(user.locale or "en"):
            text = _("Your account %(name)s is linked: notifications will arrive here.", name=user.name)
        call("sendMessage", {"chat_id": chat, "text": text})
    except DeliveryError:
        pass  # the link holds; the greeting is a courtesy
    return True


def poll() -> int:
    """Periodic task: read the bot's updates by ``getUpdates`` (when no webhook is set)."""
    current = bot()
    if not current.get("token") or current.get("webhook") or not settings.config("NOTIFICATIONS_TELEGRAM_POLL"):
        return 0
    updates = (
        call("getUpdates", {"offset": int(current.get("offset") or 0), "timeout": 0, "allowed_updates": ["message"]})
        or []
    )
    linked = 0
    for update in updates:
        linked += handle_update(update)
        current["offset"] = int(update["update_id"]) + 1
    if updates:
        settings.update("telegram", offset=current["offset"])
    return linked


def webhook_secret_ok(given: str | None) -> bool:
    expected = bot().get("webhook_secret") or ""
    return bool(expected) and hmac.compare_digest(expected, given or "")


class TelegramChannel(Channel):
    name = "telegram"

    def configured(self) -> bool:
        return bool(bot().get("token"))

    def address(self, user, profile) -> str | None:
        return profile.telegram_chat_id if profile is not None and profile.telegram_chat_id else None

    def send(self, user, address: str, message) -> str | None:
        text = message.short if not message.url else f"{message.short}\n{message.url}"
        try:
            result = call("sendMessage", {"chat_id": address, "text": text, "disable_web_page_preview": True})
        except DeliveryError as exc:
            if "403" in str(exc):  # the user blocked the bot: stop sending there
                from lms_notifications.preferences import profile_of

                profile = profile_of(user.id)
                if profile is not None:
                    profile.telegram_chat_id = None
                    db.session.commit()
            raise
        return str((result or {}).get("message_id", ""))
