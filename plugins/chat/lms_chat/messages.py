"""Messages: stored first (numbered under the room's lock), then broadcast to the
room's sockets through the core's message queue, so every web process delivers them.

Every change of a message (new, edited, deleted, reacted to, pinned) also takes the
room's next change number (``ChatMessage.change_seq``), so a reconnecting client asks
for the changes above the last one it has and receives each changed message once, in
its state now. A message may carry one file, checked and stored by the core's
``lms_core.uploads`` with the chat's types and size limit."""

from __future__ import annotations

import functools

import re
import threading
import time
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from lms_core import ServiceError, db, gettext as _, one_of, path_for, read, render_markdown
from lms_core.cache import increment
from lms_core.events import commit
from lms_core.models import User, utcnow
from lms_core.realtime import push
from lms_core.uploads import FileStore, check_upload

from lms_chat import rooms
from lms_chat.models import SHARED, ChatAttachment, ChatMessage, ChatRead, ChatReaction, ChatRoom
from lms_chat.settings import settings

NAMESPACE = "/chat"
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
REACTIONS = ("👍", "❤️", "😂", "🎉", "🤔", "👀")


def post(
    user: User, room: ChatRoom, body: str, client_id: str, reply_to: int | None = None, upload=None
) -> tuple[ChatMessage, bool]:
    """Store ``body`` as ``user``'s message, once per ``client_id`` (a resend returns the
    stored message and ``False``), then broadcast it. ``upload`` (a werkzeug
    ``FileStorage``) is the message's file: checked first, written, and deleted again if
    the message is not stored, so there is never a message without its file or a file
    without its message. Raises ``ServiceError``."""
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ServiceError("invalid_client_id", _("The message has no valid id; reload the page."), 400)
    existing = _by_client_id(user, client_id)
    if existing is not None:
        if existing.room_id != room.id:
            raise ServiceError("invalid_client_id", _("The message has no valid id; reload the page."), 409)
        return existing, False
    has_file = upload is not None and bool(getattr(upload, "filename", ""))
    body = _checked_body(body, required=not has_file)
    checked = None
    if has_file:
        checked = check_upload(upload, file_types(), int(settings.get("CHAT_MAX_FILE_SIZE")))
    refusal = rooms.post_refusal(user, room)
    if refusal is not None:
        raise refusal
    _rate_limit(user, room)
    parent = None
    if reply_to not in (None, ""):
        parent = _in_room(room, reply_to)
        if parent is None or parent.deleted_at is not None:
            raise ServiceError("reply_not_found", _("The message you answer is gone."), 404)
        parent = parent.reply_to or parent  # threads are one level deep: answer the thread's first message
    from lms_chat.mentions import mentioned, notify_mentioned

    message = ChatMessage(
        room_id=room.id, author_id=user.id, client_id=client_id, body=body, reply_to_id=parent and parent.id
    )
    # Before the room's lock: what does not need the message's number (who is mentioned,
    # the Markdown) is not done while other messages of the room wait.
    found = mentioned(room, message, user)  # told after the commit: notify() commits
    html = str(render_markdown(body))
    written = store().write(checked) if checked is not None else None
    try:
        with _room_lock(room.id):
            payload = _store(user, room, message, parent, checked, written, html)
    except _Duplicate as duplicate:
        return duplicate.stored, False
    except BaseException:
        db.session.rollback()
        if written:
            store().delete([written])  # no file without its message
        raise
    broadcast(room, "chat:message", payload)
    notify_mentioned(room, payload["seq"], payload["body"], user, found)
    message.reaction_counts = {}
    message.payload = payload  # what was broadcast, for the sender's answer: no second query or rendering
    return message, True


class _Duplicate(Exception):
    def __init__(self, stored: ChatMessage):
        self.stored = stored


# A fixed set of locks, a room taking one by its id: bounded however many rooms (and
# direct-message pairs) a process sees; two rooms sharing a lock only wait a moment.
_ROOM_LOCKS = tuple(threading.Lock() for _ in range(64))


def _room_lock(room_id: int) -> threading.Lock:
    """This process's lock of a room, held from taking the message's number to its
    commit. The database's lock on the room's row serialises the same section across
    processes; inside one, Socket.IO runs each event in its own thread, and on SQLite
    threads that wait for the database's write lock poll for it with growing sleeps
    (and give up after its busy timeout): waiting here instead, each starts as soon as
    the one before commits."""
    return _ROOM_LOCKS[room_id % len(_ROOM_LOCKS)]


def _store(user, room, message, parent, checked, written, html) -> dict:
    """Number, store and commit ``message`` (with its file's row and the author's read
    mark); returns its payload. Raises ``_Duplicate`` when the same message was sent
    twice at once and the other one won."""
    # The room row's lock is held until the commit: numbers are committed in order.
    message.seq, message.change_seq = _next_numbers(room, message=True)
    seq = message.seq
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # the same message, sent twice at once: the other one won
        db.session.rollback()
        if written:
            store().delete([written])
        stored = _by_client_id(user, message.client_id)
        if stored is None:
            raise
        raise _Duplicate(stored) from None
    attachment = None
    if checked is not None and written is not None:
        attachment = ChatAttachment(
            message_id=message.id,
            stored_name=written,
            original_name=checked.original_name,
            content_type=checked.file_type.content_type,
            size=checked.size,
            image=checked.image,
        )
        db.session.add(attachment)
    _mark_read(user.id, room.id, seq)
    message.author, message.reply_to, message.reaction_counts = user, parent, {}
    set_committed_value(message, "attachment", attachment)  # known: no query to read it
    payload = serialize(message, html=html)  # before the commit expires the row: no query to read it again
    commit()  # the message, its file's row and its read mark together
    return payload


def _by_client_id(user: User, client_id: str) -> ChatMessage | None:
    return db.session.execute(
        db.select(ChatMessage).where(ChatMessage.author_id == user.id, ChatMessage.client_id == client_id)
    ).scalar_one_or_none()


def _checked_body(body, required: bool = True) -> str:
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body and required:
        raise ServiceError("empty", _("Write a message first."), 400)
    limit = int(settings.get("CHAT_MAX_LENGTH"))
    if len(body) > limit:
        raise ServiceError(
            "too_long",
            _("A message may be %(limit)d characters long; this one has %(length)d.", limit=limit, length=len(body)),
            400,
        )
    return body


def file_types() -> list[str]:
    """The file types members may attach (``CHAT_FILE_TYPES``, only types the core checks by content)."""
    from lms_core.uploads import parse_extensions

    return parse_extensions(settings.get("CHAT_FILE_TYPES"))[0]


def store() -> FileStore:
    folder = settings.get("CHAT_UPLOAD_FOLDER")
    return FileStore(folder) if folder else FileStore.in_instance("chat-files")


def _next_numbers(room: ChatRoom, message: bool = False) -> tuple[int, int]:
    """The room's next message number (when ``message``) and next change number, taken
    under the room row's lock (held until the commit: numbers are committed in order)."""
    table = ChatRoom.__table__
    values = {"last_change": table.c.last_change + 1}
    if message:
        values["last_seq"] = table.c.last_seq + 1
    seq, change = db.session.execute(
        db.update(table).where(table.c.id == room.id).values(**values).returning(table.c.last_seq, table.c.last_change)
    ).one()
    return seq, change


def touch(room: ChatRoom, message: ChatMessage) -> None:
    """``message`` changed: it takes the room's next change number (before the commit)."""
    message.change_seq = _next_numbers(room)[1]


def _rate_limit(user: User, room: ChatRoom) -> None:
    window, limit = int(settings.get("CHAT_RATE_WINDOW")), int(settings.get("CHAT_RATE_LIMIT"))
    slot = int(time.time() // window)
    if increment(f"chat:rate:{room.id}:{user.id}:{slot}", window + 1) > limit:
        wait = max(1, int((slot + 1) * window - time.time()) + 1)
        raise ServiceError(
            "rate_limited",
            _("You are sending messages too fast: wait %(seconds)d seconds and send it again.", seconds=wait),
            429,
        )


def _in_room(room: ChatRoom, seq) -> ChatMessage | None:
    try:
        seq = int(seq)
    except (TypeError, ValueError):
        return None
    if not 0 < seq < 2**31:
        return None
    return db.session.execute(
        db.select(ChatMessage).where(ChatMessage.room_id == room.id, ChatMessage.seq == seq)
    ).scalar_one_or_none()


def message_in(user: User, room: ChatRoom, seq) -> ChatMessage:
    message = _in_room(room, seq) if rooms.may_read(user, room) else None
    if message is None:
        raise ServiceError("not_found", _("There is no such message."), 404)
    return message


def edit(user: User, room: ChatRoom, seq, body: str) -> ChatMessage:
    message = message_in(user, room, seq)
    _own_and_recent(user, message)
    body = _checked_body(body)
    refusal = rooms.post_refusal(user, room)
    if refusal is not None:
        raise refusal
    if body != message.body:
        message.body, message.edited_at = body, utcnow()
        touch(room, message)
        db.session.commit()
        broadcast(room, "chat:edited", serialize(message))
    return message


def delete(user: User, room: ChatRoom, seq) -> ChatMessage:
    """The author within the time limit, or the course's staff at any time (logged)."""
    from lms_chat.moderation import log

    message = message_in(user, room, seq)
    if message.deleted_at is not None:
        return message
    staff = rooms.role(user, room.course) == rooms.STAFF
    if not staff:
        _own_and_recent(user, message)
    message.deleted_at, message.deleted_by_id, message.pinned_at = utcnow(), user.id, None
    if message.author_id != user.id:
        log(room, user, "delete", message=message, target_user_id=message.author_id, detail=message.body[:500])
    touch(room, message)
    attachment = db.session.execute(
        db.select(ChatAttachment).where(ChatAttachment.message_id == message.id)
    ).scalar_one_or_none()
    stored_name = attachment.stored_name if attachment is not None else None
    db.session.commit()
    if stored_name:
        store().delete([stored_name])  # a deleted message's file is no longer served, nor kept
    broadcast(room, "chat:deleted", serialize(message))
    return message


def _own_and_recent(user: User, message: ChatMessage) -> None:
    if message.author_id != user.id or message.deleted_at is not None:
        raise ServiceError("forbidden", _("You can change only your own messages."), 403)
    minutes = int(settings.get("CHAT_EDIT_MINUTES"))
    if utcnow() - message.created_at > timedelta(minutes=minutes):
        raise ServiceError(
            "too_late", _("Messages can be changed for %(minutes)d minutes after they are sent.", minutes=minutes), 403
        )


def react(user: User, room: ChatRoom, seq, emoji: str) -> ChatMessage:
    """Toggle ``user``'s reaction ``emoji`` on a message."""
    message = message_in(user, room, seq)
    if emoji not in REACTIONS or message.deleted_at is not None:
        raise ServiceError("invalid", _("Choose one of the offered reactions."), 400)
    existing = db.session.get(ChatReaction, (message.id, user.id, emoji))
    if existing is not None:
        db.session.delete(existing)
    else:
        try:
            with db.session.begin_nested():
                db.session.add(ChatReaction(message_id=message.id, user_id=user.id, emoji=emoji))
        except IntegrityError:
            pass  # a double click: already there
    touch(room, message)
    db.session.commit()
    broadcast(room, "chat:edited", serialize(message))
    return message


# ---------------------------------------------------------------- reading


def page(room: ChatRoom, before: int | None = None, limit: int | None = None) -> list[ChatMessage]:
    """The newest messages before number ``before``, oldest first (history, scrolling back)."""
    limit = min(int(limit or settings.get("CHAT_PAGE_SIZE")), 200)
    query = db.select(ChatMessage).where(ChatMessage.room_id == room.id)
    if before:
        query = query.where(ChatMessage.seq < before)
    rows = db.session.execute(query.order_by(ChatMessage.seq.desc()).limit(limit)).scalars().all()
    return _loaded(list(reversed(rows)))


def since(room: ChatRoom, after: int) -> tuple[list[ChatMessage], bool]:
    """What a reconnecting client missed: messages numbered above ``after``, oldest
    first, at most ``CHAT_REPLAY_LIMIT`` (``True``: there are more)."""
    limit = int(settings.get("CHAT_REPLAY_LIMIT"))
    rows = (
        db.session.execute(
            db.select(ChatMessage)
            .where(ChatMessage.room_id == room.id, ChatMessage.seq > after)
            .order_by(ChatMessage.seq)
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    return _loaded(rows[:limit]), len(rows) > limit


def changes(room: ChatRoom, after: int) -> tuple[list[ChatMessage], bool]:
    """What a reconnecting client missed: every message changed after change number
    ``after`` (new, edited, deleted, reacted to, pinned), once each, in its state now,
    in the order of the changes; at most ``CHAT_REPLAY_LIMIT`` (``True``: there are more)."""
    limit = int(settings.get("CHAT_REPLAY_LIMIT"))
    rows = (
        db.session.execute(
            db.select(ChatMessage)
            .where(ChatMessage.room_id == room.id, ChatMessage.change_seq > after)
            .order_by(ChatMessage.change_seq)
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    return _loaded(rows[:limit]), len(rows) > limit


def search(room: ChatRoom, words: str, limit: int = 50) -> list[ChatMessage]:
    words = (words or "").strip()[:100]
    if not words:
        return []
    from lms_core import contains  # the words literally: % and _ match themselves

    rows = (
        db.session.execute(
            db.select(ChatMessage)
            .where(
                ChatMessage.room_id == room.id,
                ChatMessage.deleted_at.is_(None),
                contains(ChatMessage.body, words),
            )
            .order_by(ChatMessage.seq.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return _loaded(rows)


def pinned(room: ChatRoom) -> list[ChatMessage]:
    return _loaded(
        db.session.execute(
            db.select(ChatMessage)
            .where(ChatMessage.room_id == room.id, ChatMessage.pinned_at.is_not(None), ChatMessage.deleted_at.is_(None))
            .order_by(ChatMessage.pinned_at.desc())
            .limit(20)
        )
        .scalars()
        .all()
    )


def _loaded(rows: list[ChatMessage]) -> list[ChatMessage]:
    """Authors, answered messages and reactions of a page in three queries, not one per message."""
    if not rows:
        return rows
    from sqlalchemy.orm import selectinload

    ids = [m.id for m in rows]
    db.session.execute(
        db.select(ChatMessage)
        .where(ChatMessage.id.in_(ids))
        .options(
            selectinload(ChatMessage.author),
            selectinload(ChatMessage.reply_to).selectinload(ChatMessage.author),
            selectinload(ChatMessage.attachment),
        )
    ).scalars().all()
    counts: dict[int, dict[str, int]] = {}
    for message_id, emoji, count in db.session.execute(
        db.select(ChatReaction.message_id, ChatReaction.emoji, db.func.count())
        .where(ChatReaction.message_id.in_(ids))
        .group_by(ChatReaction.message_id, ChatReaction.emoji)
    ):
        counts.setdefault(message_id, {})[emoji] = count
    for message in rows:
        message.reaction_counts = counts.get(message.id, {})
    return rows


def serialize(message: ChatMessage, html: str | None = None) -> dict:
    """A message as pages and sockets receive it (``html``: its body already rendered)."""
    if not hasattr(message, "reaction_counts"):
        _loaded([message])
    gone = message.deleted_at is not None
    parent = message.reply_to
    attachment = None if gone else message.attachment
    return {
        "id": message.id,
        "room": message.room_id,
        "seq": message.seq,
        "client_id": message.client_id,
        "author": {"id": message.author_id, "name": message.author.name},
        "html": "" if gone else html if html is not None else str(render_markdown(message.body)),
        "body": "" if gone else message.body,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": gone,
        "pinned": message.pinned_at is not None,
        "reply_to": None
        if parent is None
        else {
            "seq": parent.seq,
            "author": parent.author.name,
            "excerpt": "" if parent.deleted_at else parent.body[:80],
        },
        "reactions": message.reaction_counts,
        "change": message.change_seq,
        "file": None
        if attachment is None
        else {
            "name": attachment.original_name,
            "size": attachment.size,  # bytes: each page writes it in its reader's language
            "url": path_for("chat.file", room_id=message.room_id, seq=message.seq),
            "image": attachment.image,
        },
    }


def broadcast(room: ChatRoom, event: str, payload: dict) -> None:
    push(room.socket_room, event, payload, namespace=NAMESPACE)


# ---------------------------------------------------------------- unread counts


def _mark_read(user_id: int, room_id: int, seq: int) -> None:
    """``user_id`` has read ``room_id`` up to ``seq`` (never back): one statement."""
    statement = _mark_read_statement(db.session.get_bind().dialect.name)
    db.session.execute(statement, {"room_id": room_id, "user_id": user_id, "last_read_seq": seq})


@functools.cache
def _mark_read_statement(dialect: str):
    """The read mark's upsert, built once per database kind (building it on every
    message cost more than running it)."""
    from lms_core import upsert

    table = ChatRead.__table__
    statement = upsert(table)  # the dialect ``dialect`` names: the cache's key
    newer = statement.excluded.last_read_seq
    return statement.on_conflict_do_update(
        index_elements=[table.c.room_id, table.c.user_id],
        set_={"last_read_seq": db.case((newer > table.c.last_read_seq, newer), else_=table.c.last_read_seq)},
    )


def mark_read(user: User, room: ChatRoom) -> None:
    db.session.refresh(room)
    _mark_read(user.id, room.id, room.last_seq)  # an upsert: another tab marking it at once is no error
    db.session.commit()


def _readable(user_id):
    """The condition for the rooms a user may read, made so far (``user_id`` a value or
    a bound parameter)."""
    from lms_core.models import CourseStaff, Enrollment

    courses = db.select(Enrollment.course_id).where(
        Enrollment.user_id == user_id, one_of(Enrollment.status, ("active", "completed"))
    )
    staffed = db.select(CourseStaff.course_id).where(CourseStaff.user_id == user_id)
    # a topic channel is off for learners while its course room is off
    off = db.select(ChatRoom.course_id).where(ChatRoom.kind == "course", ChatRoom.mode == "off")
    return db.or_(
        one_of(ChatRoom.kind, SHARED)
        & ChatRoom.course_id.in_(courses)
        & (ChatRoom.mode != "off")
        & ChatRoom.course_id.not_in(off),
        one_of(ChatRoom.kind, SHARED) & ChatRoom.course_id.in_(staffed),
        (ChatRoom.kind == "direct")
        & ((ChatRoom.user_a_id == user_id) | (ChatRoom.user_b_id == user_id))
        & (ChatRoom.course_id.in_(courses) | ChatRoom.course_id.in_(staffed)),
    )


def readable_rooms(user: User) -> list[tuple[ChatRoom, int]]:
    """The rooms ``user`` may read, made so far, with their unread counts (one query)."""
    read = db.aliased(ChatRead)
    rows = db.session.execute(
        db.select(ChatRoom, db.func.coalesce(read.last_read_seq, 0))
        .outerjoin(read, (read.room_id == ChatRoom.id) & (read.user_id == user.id))
        .where(_readable(user.id))
        .order_by(ChatRoom.kind, ChatRoom.id)
        .limit(500)
    ).all()
    # an archived channel is read, not followed: it counts no unread messages
    return [(room, 0 if room.archived_at else max(0, room.last_seq - seen)) for room, seen in rows]


@functools.cache
def _unread_total_statement():
    """Built once: the menu asks on every page, and building this statement costs more
    than running it."""
    read = db.aliased(ChatRead)
    user_id = db.bindparam("user_id")
    unread = ChatRoom.last_seq - db.func.coalesce(read.last_read_seq, 0)
    return (
        db.select(db.func.coalesce(db.func.sum(db.case((unread > 0, unread), else_=0)), 0))
        .select_from(ChatRoom)
        .outerjoin(read, (read.room_id == ChatRoom.id) & (read.user_id == user_id))
        .where(_readable(user_id), ChatRoom.archived_at.is_(None))
    )


def unread_total(user: User) -> int:
    """The unread messages of every room ``user`` reads, counted by the database (the
    menu shows it on every page: no room is loaded for it)."""
    return int(read(_unread_total_statement(), {"user_id": user.id}).scalar_one())
