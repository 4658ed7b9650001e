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
    room = db.session.execute(db.select(ChatRoom).where(ChatRoom.key == f"course:{row.id}")).scalar_one_or_none()
    if room is not None and not rooms.may_read(viewer, room):
        return []
    unread = 0
    if room is not None:
        read = db.session.get(ChatRead, (room.id, viewer.id))
        unread = max(0, room.last_seq - (read.last_read_seq if read else 0))
    return [render_fragment("chat/_course_fragment.html", course=row, unread=unread)]
