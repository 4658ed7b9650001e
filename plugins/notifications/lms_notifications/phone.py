"""A phone number verified by a code sent by SMS (on the preferences page)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app

from lms_core import ServiceError, db, gettext as _
from lms_core.models.base import utcnow

from lms_notifications.channels.base import DeliveryError
from lms_notifications.preferences import profile_of

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
CODE_LIFETIME = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5


def _hash(user_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise(raw: str) -> str:
    return re.sub(r"[\s\-().]", "", raw or "")


def request_code(user_id: int, raw_phone: str) -> None:
    """Send a 6-digit code to the number; it becomes the user's once confirmed."""
    from lms_notifications.channels import sms

    phone = normalise(raw_phone)
    if not E164.match(phone):
        raise ServiceError(
            "invalid",
            _("The phone number was not saved."),
            400,
            {"phone": _("Give the number in international form, for example +79161234567.")},
        )
    profile = profile_of(user_id, create=True)
    now = utcnow()
    if (
        profile.phone_code_expires_at is not None
        and profile.phone == phone
        and profile.phone_code_expires_at - CODE_LIFETIME + RESEND_AFTER > now
    ):
        raise ServiceError(
            "too_soon",
            _("A code was sent a moment ago; wait a minute before asking again."),
            429,
            {"phone": _("Wait a minute before asking for a new code.")},
        )
    code = f"{secrets.randbelow(10**6):06d}"
    from flask_babel import force_locale

    from lms_core.models import User

    user = db.session.get(User, user_id)
    with force_locale(user.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]):
        text = _("%(site)s code: %(code)s", site=current_app.config.get("LMS_SITE_NAME", "LMS"), code=code)
    try:
        sms.send_text(phone, text)
    except DeliveryError as exc:
        db.session.rollback()
        from lms_notifications import settings

        if exc.configuration:
            settings.record_provider_error("sms", str(exc))
        raise ServiceError(
            "sms_failed",
            _("The code could not be sent by SMS: %(error)s", error=str(exc)),
            502,
            {"phone": _("The code could not be sent. Try again later.")},
        ) from exc
    profile = profile_of(user_id, create=True)
    profile.phone, profile.phone_verified_at = phone, None
    profile.phone_code_hash, profile.phone_code_expires_at = _hash(user_id, code), now + CODE_LIFETIME
    profile.phone_code_attempts = 0
    db.session.commit()


def verify(user_id: int, code: str) -> None:
    profile = profile_of(user_id)
    now = utcnow()
    if profile is None or profile.phone_code_hash is None or profile.phone_code_expires_at is None:
        raise ServiceError("no_code", _("Ask for a code first."), 400, {"code": _("Ask for a code first.")})
    if profile.phone_code_expires_at < now or profile.phone_code_attempts >= MAX_ATTEMPTS:
        raise ServiceError(
            "expired",
            _("This code has expired: ask for a new one."),
            400,
            {"code": _("This code has expired: ask for a new one.")},
        )
    profile.phone_code_attempts += 1
    if not hmac.compare_digest(profile.phone_code_hash, _hash(user_id, (code or "").strip())):
        db.session.commit()
        raise ServiceError(
            "wrong_code", _("That is not the code we sent."), 400, {"code": _("That is not the code we sent.")}
        )
    profile.phone_verified_at = now
    profile.phone_code_hash = profile.phone_code_expires_at = None
    db.session.commit()


def remove(user_id: int) -> None:
    profile = profile_of(user_id)
    if profile is not None:
        profile.phone = profile.phone_verified_at = profile.phone_code_hash = profile.phone_code_expires_at = None
        db.session.commit()
