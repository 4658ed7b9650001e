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
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user.id, message.scenario)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def mark_failing(user_id: int, address: str, reason: str) -> None:
    from lms_notifications.preferences import profile_of

    profile = profile_of(user_id, create=True)
    profile.email_failing_at = utcnow()
    profile.email_failing_reason = reason[:500]
    profile.email_failing_address = address
    db.session.commit()


CONFIRM_SALT = "lms-notifications-confirm-address"
CONFIRM_LIFETIME = 7 * 86400


def confirm_token(user_id: int, address: str) -> str:
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT).dumps(
        {"u": user_id, "a": address}
    )


def read_confirm_token(token: str) -> tuple[int, str] | None:
    from itsdangerous import BadData, URLSafeTimedSerializer

    try:
        data = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT).loads(
            token, max_age=CONFIRM_LIFETIME
        )
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("a"), str):
        return None
    return data["u"], data["a"]


def send_confirmation(user) -> None:
    """Mail a confirmation link to the failing address: only an address that takes mail
    again can be confirmed. Raises ``DeliveryError`` when the server still refuses it."""
    from flask_babel import force_locale, gettext as _

    from lms_core import MailMessage, deliver_mail

    from lms_notifications.templating import language_of

    base = current_app.config.get("LMS_BASE_URL", "").rstrip("/")
    link = f"{base}/notifications/email/confirm/{confirm_token(user.id, user.email)}"
    with force_locale(language_of(user)):
        subject = _("Confirm your e-mail address")
        text = _("Open this link to receive notifications by e-mail again:\n\n%(link)s", link=link)
    [outcome] = deliver_mail([MailMessage(to=user.email, subject=subject, text=text)])
    if outcome is not None:
        raise DeliveryError(str(outcome), permanent=True)


def clear_failing(user_id: int) -> None:
    from lms_notifications.preferences import profile_of

    profile = profile_of(user_id)
    if profile is not None and profile.email_failing_at is not None:
        profile.email_failing_at = None
        profile.email_failing_reason = None
        profile.email_failing_address = None
        db.session.commit()


class EmailChannel(Channel):
    name = "email"

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
        """Every message of the batch over one SMTP connection (the core's ``deliver_mail``).
        A permanent refusal marks the address as failing; a temporary one is retried."""
        from lms_core import MailMessage, PermanentMailError, deliver_mail

        items = list(items)
        messages = [
            MailMessage(
                to=address,
                subject=message.subject,
                text=_with_footer(message, user),
                html=message.html,
                headers=headers_for(user, message),
            )
            for user, address, message in items
        ]
        outcomes = deliver_mail(messages) if messages else []
        for (user, address, _message), outcome in zip(items, outcomes):
            if outcome is None:
                yield address
            elif isinstance(outcome, PermanentMailError):
                mark_failing(user.id, address, str(outcome))
                yield DeliveryError(
                    f"SMTP {outcome.code or ''} refused {address} for good: {outcome}".strip(), permanent=True
                )
            else:
                yield DeliveryError(f"SMTP: {outcome}")


def _with_footer(message, user) -> str:
    if not message.scenario:
        return message.text
    from flask_babel import force_locale, gettext as _

    from lms_notifications.templating import language_of

    with force_locale(language_of(user)):
        footer = _("To stop these e-mails: %(url)s", url=unsubscribe_url(user.id, message.scenario))
    return f"{message.text}\n\n-- \n{footer}"
