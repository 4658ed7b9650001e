"""What keeps an account safe: server-side sessions, single-use e-mail tokens and
two-factor recovery codes. Only hashes of secrets are stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core.extensions import db
from lms_core.models.base import UTCDateTime, utcnow
from lms_core.models.people import User


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(db.Model):
    """One logged-in browser. The cookie carries a random id; its hash is the key, so
    a copy of this table cannot be turned into cookies. Deleting the row ends it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()

    @classmethod
    def open(cls, user: User, ip_address: str | None, user_agent: str | None) -> tuple["UserSession", str]:
        key = secrets.token_urlsafe(32)
        return cls(
            user=user,
            key_hash=secret_hash(key),
            ip_address=(ip_address or "")[:45] or None,
            user_agent=(user_agent or "")[:255] or None,
        ), key


class AccountToken(db.Model):
    """A single-use, expiring link sent by e-mail: ``reset`` (a new password),
    ``verify`` (the sign-up address) or ``email`` (a new address, in ``new_email``)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    used_at = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A two-factor recovery code: one use, stored as a hash."""

    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at = mapped_column(UTCDateTime)
