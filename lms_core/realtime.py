"""Real time over Socket.IO: one room per user (``user:<id>``) and per course
(``course:<id>``). With ``REDIS_URL`` set, Redis is the message queue, so every web
process and every rq worker can push to a browser."""
from __future__ import annotations

from flask import current_app, session
from flask_socketio import disconnect, join_room

from lms_core.extensions import socketio


def init_realtime(app):
    options = {"async_mode": "threading", "cors_allowed_origins": []}
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


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def course_room(course_id: int) -> str:
    return f"course:{course_id}"


def push(room: str, event: str, data: dict) -> None:
    """Send ``event`` to everybody in ``room``; safe to call from a job."""
    socketio.emit(event, data, to=room, namespace="/")


@socketio.on("connect")
def on_connect(auth=None):
    from lms_core.extensions import db
    from lms_core.models import User

    user_id = session.get("user_id")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        return False  # refuse anonymous sockets
    join_room(user_room(user.id))


@socketio.on("join_course")
def on_join_course(data):
    from lms_core.extensions import db
    from lms_core.models import Course, User
    from lms_core.permissions import can

    user = db.session.get(User, session.get("user_id") or 0)
    course = db.session.get(Course, int((data or {}).get("course_id") or 0))
    if user is None or course is None or not can(user, "course.follow", course):
        disconnect()
        return
    join_room(course_room(course.id))
    current_app.logger.debug("user %s follows course %s", user.id, course.id)
