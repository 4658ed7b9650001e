from __future__ import annotations

import re
import secrets

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from lms_core import events
from lms_core.extensions import db
from lms_core.models import ROLES, AccountToken, User, utcnow
from lms_core.models.accounts import secret_hash
from lms_core.payloads import UserInfo
from lms_core.plugins import get_plugin_manager
from lms_core.services import ServiceError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_new_account(email: str, name: str, password: str, check_taken: bool = True) -> dict:
    errors = {}
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = _("Enter a valid e-mail address.")
    elif check_taken and db.session.execute(db.select(User.id).where(User.email == email)).first():
        errors["email"] = _("An account with this e-mail address already exists.")
    if not name.strip():
        errors["name"] = _("Enter your name.")
    elif len(name) > 120:
        errors["name"] = _("The name is too long (120 characters at most).")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH)
    return errors


def register(
    email: str, name: str, password: str, role: str = "student", locale: str | None = None, email_verified: bool = False
) -> User:
    """Create an account (sign-up, admin or CLI) and fire ``on_user_registered``.
    ``email_verified``: the address is vouched for (an admin typed it), no link needed."""
    email = normalise_email(email)
    name = (name or "").strip()
    errors = validate_new_account(email, name, password)
    if role not in ROLES:
        errors["role"] = _("Unknown role.")
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    refusal = get_plugin_manager().check("lms_before_register", email=email, name=name)
    if refusal is not None:
        raise ServiceError(refusal.code, refusal.reason, 403)
    user = User(
        email=email, name=name, role=role, locale=locale, email_verified_at=utcnow() if email_verified else None
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    events.emit("on_user_registered", user=UserInfo.of(user))
    events.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address and password, or ``None``. An unknown
    address costs the same password check as a known one, so the time taken tells
    nothing about which addresses have accounts."""
    user = db.session.execute(db.select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    if user is None:
        spend_password_check(password)
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


_DUMMY_HASHES: dict[str, str] = {}  # by hash method


def spend_password_check(password: str | None) -> None:
    """Check ``password`` against a dummy hash: as slow as a real check, never true."""
    from werkzeug.security import check_password_hash

    from lms_core.models.people import hash_password

    method = current_app.config["LMS_PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_hex(16))
    check_password_hash(_DUMMY_HASHES[method], password or "")


def update_profile(user: User, **changes) -> User:
    """Change a user's name, interface language or time zone (account page and API)."""
    from zoneinfo import available_timezones

    errors = {}
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            errors["name"] = _("Enter your name.")
        elif len(name) > 120:
            errors["name"] = _("The name is too long (120 characters at most).")
        changes["name"] = name
    if changes.get("locale") is not None and changes["locale"] not in current_app.config["LMS_LANGUAGES"]:
        errors["locale"] = _("Unknown language.")
    if changes.get("timezone") is not None and changes["timezone"] not in available_timezones():
        errors["timezone"] = _("Unknown time zone.")
    unknown = set(changes) - {"name", "locale", "timezone"}
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    renamed = "name" in changes and changes["name"] != user.name
    for field, value in changes.items():
        setattr(user, field, value)
    db.session.commit()
    if renamed and user.is_teacher:
        from lms_core.services.courses.catalogue import course_changed

        course_changed()  # the catalogue's cards name their teachers
    return user


# ---------------------------------------------------------------- sign-up, e-mail links


def sign_up(email: str, name: str, password: str, locale: str | None = None) -> User | None:
    """The public sign-up. The answer is the same whether the address is new or already
    has an account (no way to learn who is registered): a new address gets an account
    and a confirmation link, a known one a mail saying so. Returns the new user, or
    ``None`` for a known address. Errors in the form itself are raised as usual."""
    email = normalise_email(email)
    name = (name or "").strip()
    errors = validate_new_account(email, name, password, check_taken=False)
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    refusal = get_plugin_manager().check("lms_before_register", email=email, name=name)
    if refusal is not None:
        raise ServiceError(refusal.code, refusal.reason, 403)
    existing = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if existing is not None:
        from lms_core.models.people import hash_password

        hash_password(password)  # the work a new account would cost
        from lms_core.services import account_mail

        account_mail.send(
            existing.email,
            "already_registered",
            lambda: _("Your account"),
            account_mail.language_of(existing, locale),
            name=existing.name,
            login_link=account_mail.external_url("auth.login"),
            reset_link=account_mail.external_url("auth.forgot_password"),
        )
        return None
    user = register(email, name, password, locale=locale)
    send_verification(user)
    return user


def issue_token(user: User, purpose: str, lifetime: timedelta, new_email: str | None = None) -> str:
    """A single-use link token for ``user``; only its hash is stored. Commits."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=secret_hash(raw),
            new_email=new_email,
            expires_at=utcnow() + lifetime,
        )
    )
    db.session.commit()
    return raw


def valid_token(raw: str | None, purpose: str) -> AccountToken | None:
    """The unused, unexpired token of this purpose, or ``None``."""
    if not raw or len(raw) > 100:
        return None
    token = db.session.execute(
        db.select(AccountToken).where(AccountToken.token_hash == secret_hash(raw), AccountToken.purpose == purpose)
    ).scalar_one_or_none()
    if token is None or token.used_at is not None or token.expires_at <= utcnow() or not token.user.active:
        return None
    return token


def _use_up(user: User, purpose: str) -> None:
    db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def send_verification(user: User) -> None:
    """Mail ``user`` a link that confirms their address."""
    from lms_core.services import account_mail

    hours = current_app.config["LMS_EMAIL_TOKEN_HOURS"]
    raw = issue_token(user, "verify", timedelta(hours=hours))
    account_mail.send(
        user.email,
        "verify_email",
        lambda: _("Confirm your e-mail address"),
        account_mail.language_of(user),
        name=user.name,
        hours=hours,
        link=account_mail.external_url("auth.verify_email", token=raw),
    )


def verify_email(raw: str) -> User:
    token = valid_token(raw, "verify")
    if token is None:
        raise ServiceError("invalid_link", _("This link is not valid any more. Ask for a new one."), 400)
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    _use_up(user, "verify")
    db.session.commit()
    return user


def may_enrol(user: User) -> bool:
    """Unconfirmed addresses may enrol unless ``LMS_UNVERIFIED_MAY_ENROL`` is off."""
    return user.email_verified or bool(current_app.config["LMS_UNVERIFIED_MAY_ENROL"])


# ---------------------------------------------------------------- passwords


def request_password_reset(email: str, locale: str | None = None) -> None:
    """Queue the reset mail. The request itself does the same whatever the address (the
    account is looked up in the job), so neither the answer nor its time tells anything."""
    from lms_core.jobs import enqueue

    enqueue(send_password_reset, normalise_email(email)[:254], locale)


def send_password_reset(email: str, locale: str | None = None) -> bool:
    """The job: mail a reset link if an active account uses ``email``."""
    from lms_core.services import account_mail

    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.active:
        return False
    minutes = current_app.config["LMS_RESET_TOKEN_MINUTES"]
    raw = issue_token(user, "reset", timedelta(minutes=minutes))
    account_mail.send(
        user.email,
        "password_reset",
        lambda: _("Choose a new password"),
        account_mail.language_of(user, locale),
        name=user.name,
        minutes=minutes,
        link=account_mail.external_url("auth.reset_password", token=raw),
    )
    return True


def password_errors(password: str | None) -> dict:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return {"password": _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH)}
    return {}


def reset_password(raw: str, password: str) -> User:
    """Set a new password from a reset link: the link is used up and every session of
    the account ends (its open sockets too)."""
    from lms_core.services import sessions

    token = valid_token(raw, "reset")
    if token is None:
        raise ServiceError("invalid_link", _("This link is not valid any more. Ask for a new one."), 400)
    errors = password_errors(password)
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    user = token.user
    user.set_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link came through this mailbox
    _use_up(user, "reset")
    db.session.commit()
    sessions.end_all(user)
    return user


def check_current_password(user: User, password: str, field: str = "current") -> None:
    """The account page's "current password", throttled per (account, address) like
    the log-in. Raises a ServiceError at ``field``."""
    from lms_core.services import throttle

    subject = f"user:{user.id}"
    wait = throttle.wait_seconds("current-password", subject)
    if wait:
        message = _("Too many wrong passwords. Please wait %(seconds)s seconds and try again.", seconds=wait)
        raise ServiceError("rate_limited", message, 429, {field: message})
    if not user.check_password(password or ""):
        throttle.failed("current-password", subject)
        raise ServiceError(
            "wrong_password", _("The current password is wrong."), 400, {field: _("The current password is wrong.")}
        )
    throttle.succeeded("current-password", subject)


def change_password(user: User, current: str, password: str, keep=None) -> None:
    """The account page: check the current password, set the new one, end every other
    session (``keep`` is the one in use) and tell the owner by mail."""
    from lms_core.services import account_mail, sessions

    check_current_password(user, current)
    errors = password_errors(password)
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    user.set_password(password)
    db.session.commit()
    sessions.end_all(user, keep=keep)
    account_mail.send(
        user.email,
        "password_changed",
        lambda: _("Your password was changed"),
        account_mail.language_of(user),
        name=user.name,
        reset_link=account_mail.external_url("auth.forgot_password"),
    )


# ---------------------------------------------------------------- change of address


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is opened.
    An address that already has an account gets no mail, and the answer is the same."""
    from lms_core.services import account_mail

    new_email = normalise_email(new_email)
    if not EMAIL_RE.match(new_email) or len(new_email) > 254:
        raise ServiceError(
            "invalid", _("Please correct the marked fields."), 400, {"email": _("Enter a valid e-mail address.")}
        )
    if new_email == user.email:
        raise ServiceError(
            "invalid", _("Please correct the marked fields."), 400, {"email": _("This is already your address.")}
        )
    check_current_password(user, password, field="password")
    if db.session.execute(db.select(User.id).where(User.email == new_email)).first():
        return
    hours = current_app.config["LMS_EMAIL_TOKEN_HOURS"]
    raw = issue_token(user, "email", timedelta(hours=hours), new_email=new_email)
    account_mail.send(
        new_email,
        "change_email",
        lambda: _("Confirm your new e-mail address"),
        account_mail.language_of(user),
        name=user.name,
        hours=hours,
        link=account_mail.external_url("auth.confirm_email", token=raw),
    )


def confirm_email_change(raw: str) -> User:
    token = valid_token(raw, "email")
    if token is None:
        raise ServiceError("invalid_link", _("This link is not valid any more. Ask for a new one."), 400)
    if db.session.execute(db.select(User.id).where(User.email == token.new_email)).first():
        raise ServiceError("email_taken", _("Another account uses this address now; it cannot be yours."), 409)
    user = token.user
    user.email = token.new_email
    user.email_verified_at = utcnow()
    _use_up(user, "email")
    db.session.commit()
    return user


# ---------------------------------------------------------------- API tokens


def create_api_token(user: User, name: str, valid_days: int | None) -> str:
    """A personal API token (shown once; only its hash is kept), valid ``valid_days``
    days or until revoked."""
    from lms_core.models import ApiToken

    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, {"name": _("Name the token.")})
    if valid_days is not None and not 1 <= valid_days <= 3660:
        raise ServiceError(
            "invalid",
            _("Please correct the marked fields."),
            400,
            {"expires": _("Choose how long the token is valid.")},
        )
    expires_at = utcnow() + timedelta(days=valid_days) if valid_days else None
    token, raw = ApiToken.issue(user, name, expires_at=expires_at)
    db.session.add(token)
    db.session.commit()
    return raw


def revoke_api_token(user: User, token_id: int) -> bool:
    from lms_core.models import ApiToken

    token = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or token.user_id != user.id:
        return False
    db.session.delete(token)
    db.session.commit()
    return True


def api_tokens_of(user: User) -> list:
    from lms_core.models import ApiToken

    return list(
        db.session.execute(
            db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
        ).scalars()
    )
