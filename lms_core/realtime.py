"""Real time over Socket.IO: one room per user (``user:<id>``) and per course
(``course:<id>``). With ``REDIS_URL`` set, Redis is the message queue, so every web
process and every rq worker can push to a browser.

A socket belongs to a log-in session (``user_sessions``): the handshake needs a live
session and an allowed ``Origin``, and ending the session disconnects its sockets in
whichever process holds them (the disconnect travels through the message queue).

Plugins with their own namespace (the chat plugin's ``/chat``) use the same checks:
``on_event`` registers a handler, ``accept_socket``/``release_socket`` in its connect and
disconnect handlers, ``socket_user`` in every other handler, and
``disconnect_user_sockets`` when someone loses access."""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from flask import current_app, request, session
from flask_socketio import disconnect, join_room

from lms_core.extensions import socketio

log = logging.getLogger("lms.realtime")

_local_lock = threading.Lock()
SOCKETS_TTL = 2 * 86400  # a process that died leaves no key behind for long


def init_realtime(app):
    origins = {_origin(app.config["LMS_BASE_URL"]), *(_origin(o) for o in app.config.get("LMS_SOCKET_ORIGINS") or ())}
    options = {
        "async_mode": "threading",
        "cors_allowed_origins": lambda origin, environ=None: allowed_origin(origins, origin, environ),
    }
    # The SocketIO object is shared by every app of the process (tests build many): an
    # app without Redis must not inherit the previous one's message queue.
    for stale in ("message_queue", "client_manager", "channel"):
        socketio.server_options.pop(stale, None)
    if app.config.get("REDIS_URL"):
        from redis.connection import parse_url

        options["message_queue"] = app.config["REDIS_URL"]
        # Redis pub/sub ignores database numbers: name the channel after the database so
        # two deployments (or test runs) on one Redis server never hear each other.
        options["channel"] = f"lms-socketio-{parse_url(app.config['REDIS_URL']).get('db', 0)}"
    socketio.init_app(app, **options)


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origin(origins: set, origin, environ=None) -> bool:
    """The handshake's ``Origin`` must be the site itself: ``LMS_BASE_URL``, extra
    ``LMS_SOCKET_ORIGINS``, or the address the request came to (after ProxyFix).
    Called by Engine.IO before the application is entered (no app context)."""
    if not origin:
        return True  # not a browser: the session cookie still decides
    allowed = set(origins)
    if environ and environ.get("HTTP_HOST"):
        allowed.add(f"{environ.get('wsgi.url_scheme', 'http')}://{environ['HTTP_HOST']}".lower())
    return origin.lower() in allowed


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def course_room(course_id: int) -> str:
    return f"course:{course_id}"


def push(room: str, event: str, data: dict, namespace: str = "/") -> None:
    """Send ``event`` to everybody in ``room`` (of ``namespace``); safe to call from a job."""
    socketio.emit(event, data, to=room, namespace=namespace)


def _current_session():
    from lms_core.services import sessions

    record = sessions.find(session.get("sid"))
    if record is None or not record.user.active:
        return None
    return record


def on_event(name: str, namespace: str = "/"):
    """Decorator: handle the Socket.IO event ``name`` (``"connect"``, ``"disconnect"`` or
    a client's event) in ``namespace``. A plugin registers its handlers once per process
    (the Socket.IO server is shared by every app of the process), so a handler checks
    that its plugin is enabled in ``current_app``."""
    return socketio.on(name, namespace=namespace)


def socket_user():
    """The ``User`` of the live log-in session behind the current Socket.IO event, or
    ``None`` when the session has ended or the account is deactivated. Call it in every
    handler that acts for someone: a socket outlives the checks of its handshake."""
    record = _current_session()
    return record.user if record is not None else None


def accept_socket(namespace: str = "/"):
    """For a plugin's ``connect`` handler in its own ``namespace``: the ``User`` of the
    live session (``None``: return ``False`` to refuse the socket), with the socket
    recorded under its session, so ending the session (log-out, password change,
    deactivation) disconnects it in whichever process holds it, and
    ``disconnect_user_sockets`` finds it. Pair it with ``release_socket`` on disconnect."""
    record = _current_session()
    if record is None:
        return None
    _track(record.id, _member(namespace, request.sid))
    session[_SESSION_KEY + namespace] = record.id
    return record.user


def release_socket(namespace: str = "/") -> None:
    """For a plugin's ``disconnect`` handler: forget the socket ``accept_socket`` recorded."""
    session_id = session.get(_SESSION_KEY + namespace)
    if session_id:
        _untrack(session_id, _member(namespace, request.sid))


def disconnect_user_sockets(user_id: int, namespace: str) -> int:
    """Disconnect every socket ``user_id`` has open in ``namespace`` (recorded by
    ``accept_socket``), in every process; returns how many were found. The user stays
    logged in: for example the chat plugin closes a removed learner's chat sockets."""
    from lms_core.extensions import db
    from lms_core.models import UserSession

    session_ids = db.session.execute(db.select(UserSession.id).where(UserSession.user_id == user_id)).scalars().all()
    found = 0
    redis = _redis()
    for session_id in session_ids:
        if redis is not None:
            members = [m.decode() for m in redis.smembers(_key(session_id))]
        else:
            with _local_lock:
                members = list(_local_sockets().get(session_id, ()))
        for member in members:
            member_namespace, sid = _split(member)
            if member_namespace != namespace:
                continue
            found += 1
            _untrack(session_id, member)
            _disconnect(sid, namespace)
    return found


def close_socket_room(room: str, namespace: str = "/") -> None:
    """Take every socket out of ``room`` at once, in every process (through the message
    queue): for example the chat plugin empties a chat room that was turned off; pages
    that may still read it join again."""
    socketio.close_room(room, namespace=namespace)


_SESSION_KEY = "lms_socket_session"


def _member(namespace: str, sid: str) -> str:
    # The default namespace keeps the bare socket id (what earlier versions stored).
    return sid if namespace == "/" else f"{namespace}#{sid}"


def _split(member: str) -> tuple[str, str]:
    namespace, _, sid = member.rpartition("#")
    return (namespace or "/"), sid


def _disconnect(sid: str, namespace: str) -> None:
    try:
        # With a message queue, a socket of another process is disconnected there.
        socketio.server.disconnect(sid, namespace=namespace)
    except Exception:  # a socket already gone is not an error
        log.debug("socket %s was already gone", sid, exc_info=True)


@socketio.on("connect")
def on_connect(auth=None):
    record = _current_session()
    if record is None:
        return False  # refuse anonymous sockets and ended sessions
    join_room(user_room(record.user_id))
    _track(record.id, request.sid)
    session[_SESSION_KEY] = record.id


@socketio.on("disconnect")
def on_disconnect(reason=None):
    release_socket("/")


@socketio.on("join_course")
def on_join_course(data):
    from lms_core.extensions import db
    from lms_core.models import Course
    from lms_core.permissions import can

    record = _current_session()
    try:
        course_id = int((data or {}).get("course_id") or 0)
    except (TypeError, ValueError, AttributeError):
        course_id = 0
    course = db.session.get(Course, course_id) if 0 < course_id < 2**31 else None
    if record is None or course is None or not can(record.user, "course.follow", course):
        disconnect()
        return
    join_room(course_room(course.id))
    current_app.logger.debug("user %s follows course %s", record.user_id, course.id)


# ---------------------------------------------------------------- which sockets a session has


def _redis():
    from lms_core.jobs import redis_connection

    return redis_connection() if current_app.config.get("REDIS_URL") else None


def _local_sockets() -> dict[int, set[str]]:
    """Without Redis: session id -> socket ids of this process, kept per app."""
    return current_app.extensions.setdefault("lms_session_sockets", {})


def _key(session_id: int) -> str:
    return f"lms:sockets:session:{session_id}"


def _track(session_id: int, sid: str) -> None:
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline()
        pipe.sadd(_key(session_id), sid)
        pipe.expire(_key(session_id), SOCKETS_TTL)
        pipe.execute()
    else:
        with _local_lock:
            _local_sockets().setdefault(session_id, set()).add(sid)


def _untrack(session_id: int, sid: str) -> None:
    redis = _redis()
    if redis is not None:
        redis.srem(_key(session_id), sid)
    else:
        with _local_lock:
            _local_sockets().get(session_id, set()).discard(sid)


def disconnect_sessions(session_ids) -> None:
    """Disconnect every socket of these (ended) sessions, in every process."""
    for session_id in session_ids:
        redis = _redis()
        if redis is not None:
            sids = [s.decode() for s in redis.smembers(_key(session_id))]
            redis.delete(_key(session_id))
        else:
            with _local_lock:
                sids = list(_local_sockets().pop(session_id, ()))
        for member in sids:
            namespace, sid = _split(member)
            _disconnect(sid, namespace)
