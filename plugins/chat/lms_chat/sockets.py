"""The chat's Socket.IO namespace ``/chat``. The handshake needs a live log-in session
(the core's ``accept_socket``); every event asks again who is there and what they may
do, so a guessed room id gets nothing and an ended enrolment ends the access at once.

Client events (each answered through the acknowledgement, ``{"ok": false, "code": ...,
"error": ...}`` when refused): ``join`` ``{room, since}`` (``since``: the last change
number the client has; the answer holds every message changed after it: new, edited,
deleted, reacted to; ``after``, the last message number, still replays new messages
only), ``changes`` ``{room, since}`` (the next part of a long replay), ``leave``, ``send`` ``{room, client_id,
body, reply_to}``, ``edit``, ``delete``, ``react``, ``read``, ``typing``, ``history``
``{room, before}``. Server events: ``chat:message``, ``chat:edited``, ``chat:deleted``,
``chat:typing``, ``chat:presence``, ``chat:muted``, ``chat:closed`` (the room was turned
off: every socket left it; join again)."""

from __future__ import annotations

import functools

from flask import current_app, request
from flask_babel import force_locale
from flask_socketio import emit, join_room, leave_room

from lms_core import ServiceError, db, gettext as _
from lms_core.realtime import accept_socket, on_event, release_socket, socket_user

from lms_chat import messages, presence, rooms
from lms_chat.messages import NAMESPACE

_registered = False


def register() -> None:
    """Add the handlers to the process's Socket.IO server, once (it is shared by every
    app the process builds; a handler checks that the chat is enabled in its app)."""
    global _registered
    if _registered:
        return
    _registered = True
    on_event("connect", NAMESPACE)(on_connect)
    on_event("disconnect", NAMESPACE)(on_disconnect)
    for name, handler in HANDLERS.items():
        on_event(name, NAMESPACE)(handler)


def _enabled() -> bool:
    return "chat" in current_app.blueprints


def on_connect(auth=None):
    if not _enabled():
        return False
    user = accept_socket(NAMESPACE)
    if user is None:
        return False
    return None


def on_disconnect(reason=None):
    if not _enabled():
        return
    release_socket(NAMESPACE)
    for room_id, online in presence.left_everywhere(request.sid):
        emit("chat:presence", {"room": room_id, "online": online}, to=f"chat:{room_id}", namespace=NAMESPACE)
    db.session.remove()


def _refused(code: str, message: str) -> dict:
    return {"ok": False, "code": code, "error": str(message)}


def handler(function):
    """A client event: the live session's user, in their language, with the room they
    may read; refusals and bad input become an answer, never an exception."""

    @functools.wraps(function)
    def wrapper(data=None):
        if not _enabled():
            return _refused("not_found", _("Not found"))
        try:
            user = socket_user()
            if user is None:
                return _refused("logged_out", _("Your session has ended; log in again."))
            with force_locale(user.locale) if user.locale else _nothing():
                if not isinstance(data, dict):
                    return _refused("invalid", _("The request is not understood."))
                room = rooms.find(data.get("room"))
                if not rooms.may_read(user, room):
                    return _refused("not_found", _("There is no such chat room."))
                try:
                    return function(user, room, data)
                except ServiceError as error:
                    db.session.rollback()
                    return {"ok": False, "code": error.code, "error": str(error.message)}
        finally:
            db.session.remove()  # a socket's events share no database session

    return wrapper


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 <= number < 2**31 else 0


@handler
def on_join(user, room, data):
    # Join first, then read: a message committed in between arrives twice at most (the
    # client keeps one per number), never not at all.
    join_room(room.socket_room)
    last_change = room.last_change  # read before the messages: a later change is replayed, never lost
    since, after = _number(data.get("since")), _number(data.get("after"))
    if since:
        found, more = messages.changes(room, since)
    elif after:
        found, more = messages.since(room, after)
    else:
        found = messages.page(room)
        more = bool(found) and found[0].seq > 1
    online = presence.joined(room.id, request.sid, user)
    emit("chat:presence", {"room": room.id, "online": online}, to=room.socket_room, namespace=NAMESPACE)
    return {
        "ok": True,
        "room": room.id,
        "last_seq": room.last_seq,
        # after a page or a replay of new messages, the page has every change up to now
        "last_change": _replayed_up_to(found, more and bool(since), last_change),
        "messages": [messages.serialize(m) for m in found],
        "more": more,
        "online": online,
    }


def _replayed_up_to(found, more, last_change) -> int:
    """The change number the client has everything up to after this answer."""
    if more and found:
        return max(m.change_seq for m in found)
    return last_change


@handler
def on_changes(user, room, data):
    last_change = room.last_change
    found, more = messages.changes(room, _number(data.get("since")))
    return {
        "ok": True,
        "last_change": _replayed_up_to(found, more, last_change),
        "messages": [messages.serialize(m) for m in found],
        "more": more,
    }


@handler
def on_leave(user, room, data):
    leave_room(room.socket_room)
    online = presence.left(room.id, request.sid)
    emit("chat:presence", {"room": room.id, "online": online}, to=room.socket_room, namespace=NAMESPACE)
    return {"ok": True}


@handler
def on_send(user, room, data):
    message, created = messages.post(
        user, room, data.get("body"), data.get("client_id"), reply_to=data.get("reply_to") or None
    )
    # a new message: what was broadcast (the commit expired the row; serialising it
    # again read it back and rendered it twice); a resend: the stored one
    return {"ok": True, "message": message.payload if created else messages.serialize(message)}


@handler
def on_edit(user, room, data):
    return {"ok": True, "message": messages.serialize(messages.edit(user, room, data.get("seq"), data.get("body")))}


@handler
def on_delete(user, room, data):
    return {"ok": True, "message": messages.serialize(messages.delete(user, room, data.get("seq")))}


@handler
def on_react(user, room, data):
    return {"ok": True, "message": messages.serialize(messages.react(user, room, data.get("seq"), data.get("emoji")))}


@handler
def on_read(user, room, data):
    messages.mark_read(user, room)
    return {"ok": True}


@handler
def on_typing(user, room, data):
    if rooms.post_refusal(user, room) is None:
        emit(
            "chat:typing",
            {"room": room.id, "user": {"id": user.id, "name": user.name}},
            to=room.socket_room,
            include_self=False,
            namespace=NAMESPACE,
        )
    return {"ok": True}


@handler
def on_history(user, room, data):
    found = messages.page(room, before=_number(data.get("before")) or None)
    return {
        "ok": True,
        "messages": [messages.serialize(m) for m in found],
        "more": bool(found) and found[0].seq > 1,
    }


HANDLERS = {
    "join": on_join,
    "leave": on_leave,
    "send": on_send,
    "edit": on_edit,
    "delete": on_delete,
    "react": on_react,
    "read": on_read,
    "typing": on_typing,
    "history": on_history,
    "changes": on_changes,
}


def close_access(user_id: int) -> int:
    """``user_id`` lost access to a course: close their chat sockets in every process
    (their pages reconnect and may join only the rooms they still may read)."""
    from lms_core.realtime import disconnect_user_sockets

    return disconnect_user_sockets(user_id, NAMESPACE)
