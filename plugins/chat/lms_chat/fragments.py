"""The course page's link to its chat room, with the viewer's unread count."""

from __future__ import annotations

from lms_core import db, render_fragment
from lms_core.models import Course, User

from lms_chat import rooms
from lms_chat.models import ChatRead, ChatRoom


def course_fragment(user, course) -> list:
    if user is None:
        return []
    viewer, row = db.session.get(User, user.id), db.session.get(Course, course.id)
    if viewer is None or row is None or rooms.role(viewer, row) is None:
        return []
    # the room and the viewer's read mark in one query
    found = db.session.execute(
        db.select(ChatRoom, ChatRead.last_read_seq)
        .outerjoin(ChatRead, (ChatRead.room_id == ChatRoom.id) & (ChatRead.user_id == viewer.id))
        .where(ChatRoom.key == f"course:{row.id}")
    ).first()
    room, seen = found if found is not None else (None, 0)
    if room is not None and not rooms.may_read(viewer, room):
        return []
    unread = max(0, room.last_seq - (seen or 0)) if room is not None else 0
    return [render_fragment("chat/_course_fragment.html", course=row, unread=unread)]
