"""Two-factor log-in: TOTP (RFC 6238, any authenticator app) with single-use recovery
codes. The secret is kept while setting up and becomes active once a code proves the
app has it; a code is never accepted twice (the last used time step is stored)."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

import pyotp
from flask import current_app
from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import RecoveryCode, User, utcnow
from lms_core.services import ServiceError

RECOVERY_CODES = 10
STEP = 30


def required_for(user: User) -> bool:
    """Must this user turn two-factor log-in on before doing anything else?"""
    return bool(current_app.config.get("LMS_TWO_FACTOR_REQUIRED_FOR_STAFF")) and user.is_teacher


def begin_setup(user: User) -> str:
    """A new secret for ``user`` (not active until confirmed); returns it."""
    if user.two_factor_enabled:
        raise ServiceError("already_enabled", _("Two-factor log-in is already on."), 409)
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["LMS_SITE_NAME"]
    )


def qr_svg(user: User) -> bytes:
    """The secret as a QR code (SVG) for the authenticator app to scan."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(provisioning_uri(user), image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def _matching_step(user: User, code: str) -> int | None:
    code = "".join((code or "").split())
    if not user.totp_secret or len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time()
    for offset in (0, -1, 1):  # one step of clock drift either way
        moment = now + offset * STEP
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return None  # replayed
            return step
    return None


def confirm_setup(user: User, code: str) -> list[str]:
    """Turn two-factor log-in on once ``code`` proves the app has the secret; returns
    the recovery codes (shown once)."""
    if user.two_factor_enabled:
        raise ServiceError("already_enabled", _("Two-factor log-in is already on."), 409)
    step = _matching_step(user, code)
    if step is None:
        raise ServiceError(
            "invalid_code",
            _("This code is not right. Enter the code your app shows now."),
            400,
            {"code": _("This code is not right. Enter the code your app shows now.")},
        )
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()


def regenerate_recovery_codes(user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.execute(
        db.select(db.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def check(user: User, code: str) -> bool:
    """A log-in's second step: a current TOTP code or an unused recovery code (then
    used up). Commits what it consumed."""
    if not user.two_factor_enabled:
        return False
    step = _matching_step(user, code)
    if step is not None:
        # Compare and set: of two requests racing with the same code, one logs in.
        taken = db.session.execute(
            db.update(User)
            .where(User.id == user.id, db.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        db.session.refresh(user)
        return taken == 1
    wanted = _recovery_hash(code)
    for row in db.session.execute(
        db.select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalars():
        if hmac.compare_digest(row.code_hash, wanted):
            used = db.session.execute(
                db.update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
            return used == 1
    return False


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _recovery_hash(code: str) -> str:
    # Keyed with the secret key: a copy of the database alone does not give the codes.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _normalise_recovery(code).encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    return codes
