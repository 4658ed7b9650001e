"""Who is asking: a server-side session for pages (the cookie holds its random key),
a personal token for the API."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy.orm import joinedload
from werkzeug.local import LocalProxy

from lms_core.extensions import db
from lms_core.models import ApiToken, User, utcnow

SESSION_KEY = "sid"

# Built once: every API call with a personal token runs it (the token and its user).
_TOKEN_BY_HASH = (
    db.select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == db.bindparam("token_hash"))
)


def load_current_user() -> None:
    """Set ``g.user`` from the session, or from ``Authorization: Bearer <token>``."""
    from lms_core.services import sessions

    g.user = None
    g.via_token = False
    g.user_session = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = db.session.execute(
            _TOKEN_BY_HASH, {"token_hash": ApiToken.hash(header[7:].strip())}
        ).scalar_one_or_none()
        now = utcnow()
        if token is not None and token.user.active and (token.expires_at is None or token.expires_at > now):
            g.user = token.user
            g.via_token = True
            # written at most once a minute, as a session's last_seen_at: an integration
            # calling many times a second must not write (and wait for the disk) each time
            if token.last_used_at is None or token.last_used_at < now - sessions.SEEN_PRECISION:
                token.last_used_at = now
                db.session.commit()
        return
    key = session.get(SESSION_KEY)
    if key is not None:
        record = sessions.find(key)
        if record is not None and record.user.active:
            g.user = record.user
            g.user_session = record
        else:
            _forget_session()


def log_in(user: User) -> None:
    """Start a server-side session for ``user`` in this browser (committed)."""
    from lms_core.services import sessions

    locale = session.get("locale")
    previous = g.get("user_session")
    if previous is not None:  # logging in again in this browser: the old session goes
        sessions.end(previous)
    session.clear()
    record, key = sessions.start(user)
    session[SESSION_KEY] = key
    session.permanent = True
    if locale:
        session["locale"] = locale
        if not user.locale:
            user.locale = locale
    db.session.commit()
    g.user = user
    g.user_session = record


def log_out() -> None:
    """End this browser's session on the server: a copy of the cookie no longer works."""
    from lms_core.services import sessions

    record = g.get("user_session")
    user = g.get("user")
    if record is not None:
        sessions.end(record)
    _forget_session()
    if user is not None and user.locale and "locale" not in session:
        session["locale"] = user.locale  # the pages after logging out stay in the person's language
    g.user = None
    g.user_session = None


def _forget_session() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


current_user = LocalProxy(lambda: g.get("user"))


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def require(action: str, target=None) -> None:
    """Abort with 403 (or send to the login page) unless the current user may act."""
    from lms_core.permissions import can

    if not can(g.get("user"), action, target):
        if g.get("user") is None and not request.path.startswith("/api/"):
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
        abort(403)
