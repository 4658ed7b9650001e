"""Server-side log-in sessions. The cookie holds a random key (never anything derived
from the password); the ``user_sessions`` row is the session, so deleting it logs that
browser out everywhere, its open Socket.IO connections included."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, request, session
from sqlalchemy.orm import joinedload

from lms_core import events
from lms_core.extensions import db
from lms_core.models import User, UserSession, utcnow
from lms_core.models.accounts import secret_hash

SEEN_PRECISION = timedelta(minutes=1)  # last_seen_at is written at most this often


def start(user: User) -> tuple[UserSession, str]:
    """A new session for ``user`` from the current request; returns it and the cookie key.
    The caller commits."""
    record, key = UserSession.open(user, request.remote_addr, request.headers.get("User-Agent"))
    db.session.add(record)
    db.session.flush()
    return record, key


# Built once: every request of a logged-in browser runs it.
_BY_KEY_HASH = (
    db.select(UserSession).options(joinedload(UserSession.user)).where(UserSession.key_hash == db.bindparam("key_hash"))
)


def find(key: str | None) -> UserSession | None:
    """The live session with this key; expired ones are deleted on sight."""
    if not key or not isinstance(key, str) or len(key) > 100:
        return None
    # one statement for the session and its user, on every request
    record = db.session.execute(_BY_KEY_HASH, {"key_hash": secret_hash(key)}).scalar_one_or_none()
    if record is None:
        return None
    now = utcnow()
    if record.last_seen_at < now - current_app.permanent_session_lifetime:
        end(record)
        return None
    if record.last_seen_at < now - SEEN_PRECISION:
        record.last_seen_at = now
        db.session.commit()
        if has_request_context():
            session.modified = True  # the cookie's expiry slides with it (SESSION_REFRESH_EACH_REQUEST off)
    return record


def of_user(user: User) -> list[UserSession]:
    return list(
        db.session.execute(
            db.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.last_seen_at.desc())
        ).scalars()
    )


def end(record: UserSession) -> None:
    """Log that browser out: the row goes, and so do its live connections."""
    _ended(record.user, [record.id])
    db.session.delete(record)
    events.commit()


def end_one_of(user: User, session_id: int) -> bool:
    """End one of ``user``'s own sessions (account page); False if it is not theirs."""
    record = db.session.get(UserSession, session_id)
    if record is None or record.user_id != user.id:
        return False
    end(record)
    return True


def end_all(user: User, keep: UserSession | None = None) -> int:
    """End every session of ``user`` but ``keep`` (a password change, a reset, an admin
    deactivating the account). Returns how many ended."""
    query = db.select(UserSession.id).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    ids = list(db.session.execute(query).scalars())
    if ids:
        db.session.execute(db.delete(UserSession).where(UserSession.id.in_(ids)))
        _ended(user, ids)
    events.commit()
    return len(ids)


def _ended(user: User, session_ids: list[int]) -> None:
    """Their open connections close through the event log (``on_sessions_ended``), so a
    log-out never fails, nor leaves a connection open, because Redis is restarting."""
    from lms_core.payloads import UserInfo

    events.emit("on_sessions_ended", user=UserInfo.of(user), session_ids=list(session_ids))
