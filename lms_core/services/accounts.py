from __future__ import annotations

import re

from flask_babel import gettext as _

from lms_core import events
from lms_core.extensions import db
from lms_core.models import ROLES, User
from lms_core.payloads import UserInfo
from lms_core.plugins import get_plugin_manager
from lms_core.services import ServiceError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_new_account(email: str, name: str, password: str) -> dict:
    errors = {}
    if len(email) > 254 or not EMAIL_RE.match(email):  # 254: the column, and the longest valid address
        errors["email"] = _("Enter a valid e-mail address.")
    elif db.session.execute(db.select(User.id).where(User.email == email)).first():
        errors["email"] = _("An account with this e-mail address already exists.")
    if not name.strip():
        errors["name"] = _("Enter your name.")
    elif len(name) > 120:
        errors["name"] = _("The name is too long (120 characters at most).")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH)
    return errors


def register(email: str, name: str, password: str, role: str = "student", locale: str | None = None) -> User:
    """Create an account (sign-up, admin or CLI) and fire ``on_user_registered``."""
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
    user = User(email=email, name=name, role=role, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    events.emit("on_user_registered", user=UserInfo.of(user))
    events.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.execute(db.select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def update_profile(user: User, **changes) -> User:
    """Change a user's name, interface language or time zone (account page and API)."""
    from zoneinfo import available_timezones

    from flask import current_app

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
    for field, value in changes.items():
        setattr(user, field, value)
    db.session.commit()
    return user
