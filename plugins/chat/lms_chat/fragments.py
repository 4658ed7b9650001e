"""The course page's link to its chat room, with the viewer's unread count."""

from __future__ import annotations

import functools

from lms_core import db, read, render_fragment
from lms_core.models import Course, User

from lms_chat import rooms
from lms_chat.models import ChatRead, ChatRoom


def course_fragment(user, course) -> list:
    if user is None:
        return []
    # Both rows are in the session's identity map already (the core loaded them).
    viewer, row = db.session.get(User, user.id), db.session.get(Course, course.id)
    who = rooms.role(viewer, row) if viewer is not None and row is not None else None
    if who is None:
        return []
    # The course room's mode and the viewer's unread count in one query of two values
    # (no room object: the page shows a link and a number).
    found = read(_course_room_statement(), {"key": f"course:{row.id}", "user_id": viewer.id}).first()
    if found is not None and not rooms.reads_course_room(who, found.mode):
        return []
    unread = max(0, found.unread) if found is not None else 0
    return [render_fragment("chat/_course_fragment.html", course=row, unread=unread)]


@functools.cache
def _course_room_statement():
    """Built once: every course page asks it."""
    mark = db.aliased(ChatRead)  # the viewer's read mark in the room
    return (
        db.select(ChatRoom.mode, (ChatRoom.last_seq - db.func.coalesce(mark.last_read_seq, 0)).label("unread"))
        .outerjoin(mark, (mark.room_id == ChatRoom.id) & (mark.user_id == db.bindparam("user_id")))
        .where(ChatRoom.key == db.bindparam("key"))
    )
