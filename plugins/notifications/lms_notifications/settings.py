"""The plugin's settings: deployment settings in the app config (base URLs of the
providers, batch size, limits), and what the admin gives on the settings page (bot
token, SMS provider and credentials, cap and cost, VAPID keys), kept in
``notifications_settings``. Providers' last errors are kept there too, for the admin."""

from __future__ import annotations

from lms_core import PluginSettings, db
from lms_core.models.base import utcnow

DEFAULTS = {
    "NOTIFICATIONS_TELEGRAM_API_URL": "https://api.telegram.org",
    "NOTIFICATIONS_TWILIO_API_URL": "https://api.twilio.com",
    "NOTIFICATIONS_SMSRU_API_URL": "https://sms.ru",
    "NOTIFICATIONS_HTTP_TIMEOUT": 10,
    "NOTIFICATIONS_BATCH_SIZE": 500,  # recipients per announcement job (one SMTP connection each)
    "NOTIFICATIONS_RATE_LIMIT": 20,  # messages per user and channel ...
    "NOTIFICATIONS_RATE_WINDOW": 3600,  # ... in this many seconds
    "NOTIFICATIONS_RETRY_INTERVALS": (60, 300, 1800, 7200),  # back-off; then the delivery is given up
    "NOTIFICATIONS_DISPATCH_INTERVAL": 60,  # how often due, retried and digest messages go out
    "NOTIFICATIONS_COURSE_START_INTERVAL": 900,
    "NOTIFICATIONS_DIGEST_HOUR": 8,  # local hour digests are sent at
    "NOTIFICATIONS_TELEGRAM_POLL": True,  # read the bot's updates by getUpdates when no webhook is set
}


SETTINGS = PluginSettings(DEFAULTS)


def config(name: str):
    """A deployment setting: the app's config, else the environment, else the default."""
    return SETTINGS.get(name)


def get(key: str) -> dict:
    from lms_notifications.models import Setting

    row = db.session.get(Setting, key)
    return dict(row.value) if row else {}


def put(key: str, value: dict, commit: bool = True) -> None:
    from lms_notifications.models import Setting

    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=dict(value)))
    else:
        row.value = dict(value)
    if commit:
        db.session.commit()


def update(key: str, **changes) -> dict:
    value = get(key)
    value.update(changes)
    put(key, value)
    return value


def record_provider_error(channel: str, message: str | None) -> None:
    """Remember (or clear, with ``None``) the last provider error of a channel, shown on
    the admin's settings page. Written in its own transaction: it outlives a rollback."""
    from lms_notifications.models import Setting

    with db.engine.begin() as conn:
        row = conn.execute(db.select(Setting.value).where(Setting.key == "provider_errors")).scalar_one_or_none()
        errors = dict(row or {})
        if message is None:
            if channel not in errors:
                return
            errors.pop(channel)
        else:
            errors[channel] = {"message": message[:500], "at": utcnow().isoformat(timespec="seconds")}
        if row is None:
            conn.execute(db.insert(Setting).values(key="provider_errors", value=errors))
        else:
            conn.execute(db.update(Setting).where(Setting.key == "provider_errors").values(value=errors))


def provider_errors() -> dict:
    return get("provider_errors")


def retry_intervals() -> list[int]:
    """The back-off in seconds (``"60,300,1800"`` from the environment works too)."""
    value = config("NOTIFICATIONS_RETRY_INTERVALS")
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    return [int(v) for v in value]
