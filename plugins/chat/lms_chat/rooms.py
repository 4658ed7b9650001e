"""Who may read and write in which room. Every join, send and page asks these again:
an enrolment that ended a second ago ends the access with it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from lms_core import ServiceError, db, gettext as _, is_enrolled, is_staff
from lms_core.models import Course, User, utcnow

from lms_chat.models import (
    ANNOUNCEMENTS,
    COURSE,
    DIRECT,
    MODES,
    OFF,
    OPEN,
    READ_ONLY,
    SHARED,
    TOPIC,
    ChatMute,
    ChatRoom,
)

MAX_TITLE_LENGTH = 120

STAFF = "staff"
MEMBER = "member"


def role(user: User | None, course: Course) -> str | None:
    """``"staff"``, ``"member"`` (an active or completed enrolment) or ``None``; asked
    once per request or Socket.IO event (a new event asks the database again)."""
    if user is None or not user.active:
        return None
    from flask import g

    known = g.setdefault("chat_roles", {})
    key = (user.id, course.id)
    if key not in known:
        known[key] = STAFF if is_staff(user, course) else MEMBER if is_enrolled(user, course) else None
    return known[key]


def forget_roles() -> None:
    """After a change of enrolment within the same request (tests, the CLI)."""
    from flask import g

    g.pop("chat_roles", None)


def course_room(course: Course) -> ChatRoom:
    """The course's room, made on first use."""
    key = f"course:{course.id}"
    room = db.session.execute(db.select(ChatRoom).where(ChatRoom.key == key)).scalar_one_or_none()
    if room is not None:
        return room
    room = ChatRoom(course_id=course.id, kind=COURSE, key=key, mode=OPEN)
    try:
        with db.session.begin_nested():
            db.session.add(room)
    except IntegrityError:  # another request made it first
        return db.session.execute(db.select(ChatRoom).where(ChatRoom.key == key)).scalar_one()
    db.session.commit()
    return room


def find(room_id) -> ChatRoom | None:
    try:
        room_id = int(room_id)
    except (TypeError, ValueError):
        return None
    return db.session.get(ChatRoom, room_id) if 0 < room_id < 2**31 else None


def may_read(user: User | None, room: ChatRoom | None) -> bool:
    if room is None:
        return False
    who = role(user, room.course)
    if who is None:
        return False
    if room.kind == DIRECT:
        return user.id in (room.user_a_id, room.user_b_id)
    if room.kind == COURSE:
        return reads_course_room(who, room.mode)
    return who == STAFF or not is_off(room)


def reads_course_room(who: str | None, mode: str) -> bool:
    """Whether someone of role ``who`` (``role()``) reads a course room in ``mode``: a
    course room turned off is closed to learners, never to the staff. For a page that
    knows the room by its mode alone (the course page's link)."""
    return who is not None and (who == STAFF or mode != OFF)


def is_off(room: ChatRoom) -> bool:
    """``room`` is off for learners: its own mode, or, for a topic channel, its course
    room's (turning the course chat off closes its channels too)."""
    if room.mode == OFF:
        return True
    if room.kind != TOPIC:
        return False
    return _course_mode(room) == OFF


# from the most open to the most closed: a topic channel is, for learners, the more closed
# of its own mode and its course room's
STRICTNESS = {OPEN: 0, ANNOUNCEMENTS: 1, READ_ONLY: 2, OFF: 3}


def _course_mode(room: ChatRoom) -> str | None:
    return db.session.execute(
        db.select(ChatRoom.mode).where(ChatRoom.key == f"course:{room.course_id}")
    ).scalar_one_or_none()


def mode_for(user: User | None, room: ChatRoom) -> str:
    """The mode ``room`` has for ``user``: its own, except that a topic channel follows
    its course room for learners when that is more closed. A course room made read-only
    or announcements-only (or turned off) holds its channels the same way; the staff
    keep each channel's own mode there (and still post where the channel lets them)."""
    if room.kind != TOPIC or role(user, room.course) == STAFF:
        return room.mode
    course_mode = _course_mode(room) or OPEN
    return max(room.mode, course_mode, key=lambda mode: STRICTNESS.get(mode, 0))


def post_refusal(user: User, room: ChatRoom) -> ServiceError | None:
    """Why ``user`` may not post in ``room`` now, or ``None``."""
    if not may_read(user, room):
        return ServiceError("not_found", _("There is no such chat room."), 404)
    who = role(user, room.course)
    if room.kind in SHARED:
        if room.archived_at is not None:
            return ServiceError("archived", _("This channel is archived: it can be read, not written in."), 403)
        mode = mode_for(user, room)
        if mode == READ_ONLY:
            return ServiceError("read_only", _("This chat room is read-only."), 403)
        if mode == ANNOUNCEMENTS and who != STAFF:
            return ServiceError("announcements_only", _("Only the course's staff post in this room."), 403)
    else:
        other = room.user_b if room.user_a_id == user.id else room.user_a
        if role(other, room.course) is None:
            return ServiceError("left_course", _("%(name)s is no longer in this course.", name=other.name), 403)
    mute = db.session.get(ChatMute, (room.id, user.id))
    if mute is not None and mute.until > utcnow():
        return ServiceError(
            "muted", _("A moderator muted you in this room until %(when)s.", when=_when(mute.until)), 403
        )
    return None


def _when(moment) -> str:
    from flask_babel import format_datetime

    return format_datetime(moment, "short")


def direct_room(user: User, other: User, course: Course) -> ChatRoom:
    """The conversation of two members of ``course``: a learner and the course's staff,
    or two learners when the teacher allows it in the course room."""
    mine, theirs = role(user, course), role(other, course)
    if mine is None or theirs is None or user.id == other.id:
        raise ServiceError("not_found", _("There is no such member of this course."), 404)
    if mine == MEMBER and theirs == MEMBER and not course_room(course).learner_direct:
        raise ServiceError("direct_off", _("The teacher has not allowed messages between learners here."), 403)
    low, high = sorted((user.id, other.id))
    key = f"direct:{course.id}:{low}:{high}"
    room = db.session.execute(db.select(ChatRoom).where(ChatRoom.key == key)).scalar_one_or_none()
    if room is not None:
        return room
    room = ChatRoom(course_id=course.id, kind=DIRECT, key=key, user_a_id=low, user_b_id=high)
    try:
        with db.session.begin_nested():
            db.session.add(room)
    except IntegrityError:
        return db.session.execute(db.select(ChatRoom).where(ChatRoom.key == key)).scalar_one()
    db.session.commit()
    return room


def set_mode(user: User, room: ChatRoom, mode: str, learner_direct: bool) -> None:
    from lms_chat.moderation import log

    if room.kind not in SHARED or role(user, room.course) != STAFF:
        raise ServiceError("forbidden", _("Only the course's staff change its chat room."), 403)
    if mode not in MODES:
        raise ServiceError("invalid", _("Choose one of the room's modes."), 400)
    if room.kind == TOPIC:
        learner_direct = room.learner_direct  # direct messages are the course room's setting
    if (room.mode, room.learner_direct) == (mode, learner_direct):
        return
    closing = mode == OFF and room.mode != OFF
    room.mode, room.learner_direct = mode, bool(learner_direct)
    log(room, user, "mode", detail=f"{mode} learner_direct={int(bool(learner_direct))}")
    db.session.commit()
    if closing:
        close_sockets(room)
        if room.kind == COURSE:  # its topic channels are off for learners with it
            for topic in topics(room.course):
                close_sockets(topic)


def close_sockets(room: ChatRoom) -> None:
    """Every socket leaves ``room`` at once, in every process (the room was turned off,
    or someone's rights changed); each page is told (``chat:closed``) and joins again,
    which only those who may still read it can."""
    from lms_chat.messages import broadcast

    broadcast(room, "chat:closed", {"room": room.id})
    from lms_core.realtime import close_socket_room

    close_socket_room(room.socket_room, "/chat")


def _clean_title(title) -> str:
    title = " ".join(str(title or "").split())
    if not title:
        raise ServiceError("invalid", _("Give the channel a name."), 400)
    if len(title) > MAX_TITLE_LENGTH:
        raise ServiceError(
            "too_long", _("A channel's name may be %(limit)d characters long.", limit=MAX_TITLE_LENGTH), 400
        )
    return title


def create_topic(user: User, course: Course, title: str) -> ChatRoom:
    """A topic channel beside the course room, made by the course's staff: the same
    members, the same rules (it has its own mode)."""
    import secrets

    from lms_chat.moderation import log

    if role(user, course) != STAFF:
        raise ServiceError("forbidden", _("Only the course's staff open channels."), 403)
    title = _clean_title(title)
    room = ChatRoom(course_id=course.id, kind=TOPIC, key=f"topic:{course.id}:{secrets.token_hex(8)}", title=title)
    db.session.add(room)
    db.session.flush()
    log(room, user, "topic", detail=title)
    db.session.commit()
    return room


def change_topic(user: User, room: ChatRoom, title: str | None = None, archived: bool | None = None) -> None:
    """Rename a topic channel, or archive it (read-only, out of the unread counts) or bring it back."""
    from lms_chat.moderation import log

    if room.kind != TOPIC or role(user, room.course) != STAFF:
        raise ServiceError("forbidden", _("Only the course's staff change its channels."), 403)
    if title is not None:
        title = _clean_title(title)
        if title != room.title:
            log(room, user, "topic", detail=title)
            room.title = title
    if archived is not None and archived != (room.archived_at is not None):
        room.archived_at = utcnow() if archived else None
        log(room, user, "archive" if archived else "unarchive")
    db.session.commit()


def topics(course: Course) -> list[ChatRoom]:
    return list(
        db.session.execute(
            db.select(ChatRoom)
            .where(ChatRoom.course_id == course.id, ChatRoom.kind == TOPIC)
            .order_by(ChatRoom.archived_at.is_not(None), ChatRoom.title)
            .limit(100)
        ).scalars()
    )


def title(room: ChatRoom, viewer: User) -> str:
    if room.kind == COURSE:
        return room.course.title
    if room.kind == TOPIC:
        return f"#{room.title}"
    other = room.user_b if room.user_a_id == viewer.id else room.user_a
    return other.name


def members(course: Course):
    """The course's staff and active learners, for direct messages (ordered by name)."""
    return [user for user, _staff in members_with_roles(course)]


def members_with_roles(course: Course) -> list[tuple[User, bool]]:
    """The course's members and whether each is its staff, in one query (ordered by name)."""
    from lms_core.models import CourseStaff, Enrollment

    staff = db.select(CourseStaff.user_id).where(CourseStaff.course_id == course.id)
    learners = db.select(Enrollment.user_id).where(
        Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed"))
    )
    # as the core's is_staff: an administrator, or a teacher among the course's staff
    is_staff_ = (User.role == "admin") | (User.role.in_(("teacher", "admin")) & User.id.in_(staff))
    rows = db.session.execute(
        db.select(User, is_staff_)
        .where(User.active.is_(True), User.id.in_(staff.union(learners)))
        .order_by(User.name)
        .limit(500)
    ).all()
    return [(user, bool(flag)) for user, flag in rows]
