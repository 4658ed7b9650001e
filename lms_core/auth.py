"""Who is asking: a session cookie for pages, a personal token for the API."""
from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, request, session, url_for
from werkzeug.local import LocalProxy

from lms_core.extensions import db
from lms_core.models import ApiToken, User, utcnow


def load_current_user() -> None:
    """Set ``g.user`` from the session, or from ``Authorization: Bearer <token>``."""
    g.user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = db.session.execute(
            db.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(header[7:].strip()))
        ).scalar_one_or_none()
        if token is not None and token.user.active:
            g.user = token.user
            g.via_token = True
            token.last_used_at = utcnow()
            db.session.commit()
        return
    user_id = session.get("user_id")
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is not None and user.active and session.get("auth_version") == auth_version(user):
            g.user = user
        else:
            session.clear()


def auth_version(user: User) -> str:
    """Changes when the password does, which logs out every other session."""
    return user.password_hash[-16:]


def log_in(user: User) -> None:
    locale = session.get("locale")
    session.clear()
    session["user_id"] = user.id
    session["auth_version"] = auth_version(user)
    session.permanent = True
    if locale and not user.locale:
        user.locale = locale
    g.user = user


def log_out() -> None:
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
