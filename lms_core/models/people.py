from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms_core.extensions import db
from lms_core.models.base import UTCDateTime, utcnow

ROLES = ("student", "teacher", "admin")


def hash_password(password: str) -> str:
    """A salted hash by the application's ``LMS_PASSWORD_HASH_METHOD`` (Werkzeug's
    method string; scrypt by default). A stored hash names its own method, so changing
    the setting keeps every existing password working."""
    from flask import current_app, has_app_context

    method = current_app.config.get("LMS_PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_name", "name", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="student")
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    email_verified_at = mapped_column(UTCDateTime)  # None until the sign-up address is confirmed
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # set while setting up, kept once on
    totp_enabled_at = mapped_column(UTCDateTime)  # two-factor log-in is on when set
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a code is never accepted twice

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_teacher(self) -> bool:
        return self.role in ("teacher", "admin")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(db.Model):
    """A personal API token. Only a hash is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = mapped_column(UTCDateTime)
    expires_at = mapped_column(UTCDateTime)  # None: until revoked

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str, expires_at=None) -> tuple["ApiToken", str]:
        token = "lms_" + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.hash(token), expires_at=expires_at), token
