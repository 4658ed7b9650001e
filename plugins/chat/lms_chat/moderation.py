"""Moderation by the course's staff: delete any message (``messages.delete``), mute a
member for a while, pin messages; members report messages. Every action is logged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from lms_core import ServiceError, db, gettext as _, name_params, notification_name, notify, path_for
from lms_core.events import commit
from lms_core.models import User, utcnow

from lms_chat import messages, rooms
from lms_chat.models import ChatModerationEntry, ChatMute, ChatReport, ChatRoom

MUTE_MINUTES = (10, 60, 24 * 60, 7 * 24 * 60)


def log(room: ChatRoom, actor: User | None, action: str, message=None, target_user_id=None, detail: str = "") -> None:
    db.session.add(
        ChatModerationEntry(
            room_id=room.id,
            actor_id=actor.id if actor else None,
            action=action,
            message_id=message.id if message is not None else None,
            target_user_id=target_user_id,
            detail=detail[:500],
        )
    )


def _staff(user: User, room: ChatRoom) -> None:
    if not rooms.may_read(user, room) or rooms.role(user, room.course) != rooms.STAFF:
        raise ServiceError("forbidden", _("Only the course's staff moderate its chat."), 403)


def mute(actor: User, room: ChatRoom, target: User | None, minutes) -> ChatMute:
    _staff(actor, room)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if minutes not in MUTE_MINUTES:
        raise ServiceError("invalid", _("Choose how long the mute lasts."), 400)
    if target is None or rooms.role(target, room.course) != rooms.MEMBER:
        raise ServiceError("not_found", _("There is no such learner in this course."), 404)
    until = utcnow() + timedelta(minutes=minutes)
    row = db.session.get(ChatMute, (room.id, target.id))
    if row is None:
        row = ChatMute(room_id=room.id, user_id=target.id, until=until, by_id=actor.id)
        db.session.add(row)
    else:
        row.until, row.by_id = until, actor.id
    log(room, actor, "mute", target_user_id=target.id, detail=f"{minutes} min")
    db.session.commit()
    messages.broadcast(room, "chat:muted", {"room": room.id, "user": target.id, "until": until.isoformat()})
    return row


def unmute(actor: User, room: ChatRoom, target_id) -> None:
    _staff(actor, room)
    row = db.session.get(ChatMute, (room.id, int(target_id or 0)))
    if row is None:
        return
    db.session.delete(row)
    log(room, actor, "unmute", target_user_id=row.user_id)
    db.session.commit()


def pin(actor: User, room: ChatRoom, seq, pinned: bool = True):
    _staff(actor, room)
    message = messages.message_in(actor, room, seq)
    if message.deleted_at is not None or (message.pinned_at is not None) == pinned:
        return message
    message.pinned_at = utcnow() if pinned else None
    messages.touch(room, message)
    log(room, actor, "pin" if pinned else "unpin", message=message, target_user_id=message.author_id)
    db.session.commit()
    messages.broadcast(room, "chat:edited", messages.serialize(message))
    return message


def report(user: User, room: ChatRoom, seq, reason: str) -> bool:
    """``user`` reports a message to the staff; ``False`` when they had already reported it."""
    message = messages.message_in(user, room, seq)
    reason = (reason or "").strip()[:500]
    if message.author_id == user.id:
        raise ServiceError("invalid", _("You cannot report your own message."), 400)
    # Not a savepoint: on SQLite one opened before any write is released as a commit,
    # and the report would be stored before its log entry. Nothing is written yet here.
    try:
        db.session.add(ChatReport(message_id=message.id, reporter_id=user.id, reason=reason))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    log(room, user, "report", message=message, target_user_id=message.author_id, detail=reason)
    tell = _staff_notices(room, message, user, reason)
    commit()  # the report and its log entry together
    tell()  # then the staff's notifications: each notify() commits
    return True


REPORTED = "chat.report"


def _staff_notices(room: ChatRoom, message, reporter: User, reason: str):
    """A function that gives every teacher of the course a notification (kind
    ``chat.report``), shown in the language each of them reads
    (``lms_notification_texts``); called after the report's commit, as ``notify``
    commits. Whom and what are read now, before the commit expires the rows."""
    from lms_core.models import CourseStaff

    staff_ids = (
        db.session.execute(
            db.select(CourseStaff.user_id)
            .join(User, User.id == CourseStaff.user_id)
            .where(CourseStaff.course_id == room.course_id, User.active.is_(True), CourseStaff.user_id != reporter.id)
        )
        .scalars()
        .all()
    )
    params = {
        **name_params("course", room.course),
        "reporter": reporter.name,
        "author": message.author.name,
        "excerpt": message.body[:300],
        "reason": reason,
    }
    url = path_for("chat.moderation_log", room_id=room.id)

    def tell() -> None:
        for staff_id in staff_ids:
            notify(
                staff_id, REPORTED, lambda: report_title(params), lambda: report_body(params), url=url, params=params
            )

    return tell


def report_title(params: dict) -> str:
    """The title of a ``chat.report`` notification, in the current language."""
    return _(
        "%(name)s reported a message in the chat of “%(course)s”",
        name=params.get("reporter", ""),
        course=notification_name(params, "course"),
    )


def report_body(params: dict) -> str:
    excerpt = _("%(author)s wrote: %(excerpt)s", author=params.get("author", ""), excerpt=params.get("excerpt", ""))
    if params.get("reason"):
        return excerpt + "\n" + _("Reason: %(reason)s", reason=params["reason"])
    return excerpt


def journal(actor: User, room: ChatRoom, limit: int = 100) -> list[ChatModerationEntry]:
    _staff(actor, room)
    return (
        db.session.execute(
            db.select(ChatModerationEntry)
            .where(ChatModerationEntry.room_id == room.id)
            .order_by(ChatModerationEntry.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def open_reports(actor: User, room: ChatRoom) -> list[ChatReport]:
    from lms_chat.models import ChatMessage

    _staff(actor, room)
    return (
        db.session.execute(
            db.select(ChatReport)
            .join(ChatMessage, ChatMessage.id == ChatReport.message_id)
            .where(ChatMessage.room_id == room.id, ChatMessage.deleted_at.is_(None))
            .order_by(ChatReport.id.desc())
            .limit(100)
        )
        .scalars()
        .all()
    )
