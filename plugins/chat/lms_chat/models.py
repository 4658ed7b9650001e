"""The chat plugin's tables (``chat_*``): rooms (one per course, direct conversations
between two members of a course), messages numbered per room, read marks, mutes,
reactions, reports and the moderation log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core import db
from lms_core.models import User, utcnow
from lms_core.models.base import UTCDateTime

COURSE = "course"
TOPIC = "topic"  # a channel the teacher opens beside the course room: same members, same rules
DIRECT = "direct"
SHARED = (COURSE, TOPIC)  # rooms every member of the course may read

# What a course room lets people do (the teacher chooses).
OPEN = "open"  # every member posts
ANNOUNCEMENTS = "announcements"  # staff post, learners read
READ_ONLY = "read_only"  # everybody reads, nobody posts
OFF = "off"  # the room is closed to learners
MODES = (OPEN, ANNOUNCEMENTS, READ_ONLY, OFF)


class ChatRoom(db.Model):
    """A course's room or a direct conversation. ``last_seq`` numbers the room's
    messages: a message takes the next number under the room row's lock, so numbers are
    committed in order and a client that saw number n missed exactly those above n."""

    __tablename__ = "chat_rooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    # "course:<course id>", "topic:<course id>:<token>" or
    # "direct:<course id>:<smaller user id>:<larger user id>"
    key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    mode: Mapped[str] = mapped_column(String(20), nullable=False, default=OPEN)
    learner_direct: Mapped[bool] = mapped_column(default=False, nullable=False)  # learners may write to each other
    user_a_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_b_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Every change of a message (new, edited, deleted, reacted to, pinned) takes the next
    # number under the room row's lock, as ``last_seq`` does: a client that saw change n
    # missed exactly the messages whose ``change_seq`` is above n.
    last_change: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str | None] = mapped_column(String(120))  # a topic channel's name
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a topic channel closed for posting
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    course = relationship("Course")
    user_a = relationship(User, foreign_keys=[user_a_id])
    user_b = relationship(User, foreign_keys=[user_b_id])

    __table_args__ = (
        Index("ix_chat_rooms_user_a", "user_a_id"),
        Index("ix_chat_rooms_user_b", "user_b_id"),
    )

    @property
    def socket_room(self) -> str:
        # the key a commit left behind, not ``self.id``: reading that after the commit
        # expired the row asked the database again before every broadcast
        identity = inspect(self).identity
        return f"chat:{identity[0] if identity else self.id}"


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    client_id: Mapped[str] = mapped_column(String(64), nullable=False)  # chosen by the sender: a resend is stored once
    body: Mapped[str] = mapped_column(Text, nullable=False)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("chat_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    change_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    room = relationship(ChatRoom)
    author = relationship(User, foreign_keys=[author_id])
    reply_to = relationship("ChatMessage", remote_side=[id])
    attachment = relationship("ChatAttachment", uselist=False, viewonly=True)

    __table_args__ = (
        UniqueConstraint("room_id", "seq"),
        UniqueConstraint("author_id", "client_id"),
        Index("ix_chat_messages_room_change", "room_id", "change_seq"),
    )


class ChatAttachment(db.Model):
    """A message's file, checked by ``lms_core.uploads`` and stored under a generated
    name; ``image`` only when its content is a raster image (then shown inline)."""

    __tablename__ = "chat_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    original_name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    image: Mapped[bool] = mapped_column(default=False, nullable=False)


class ChatRead(db.Model):
    """How far a member has read a room (unread counts)."""

    __tablename__ = "chat_reads"

    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    last_read_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ChatMute(db.Model):
    __tablename__ = "chat_mutes"

    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ChatReaction(db.Model):
    __tablename__ = "chat_reactions"

    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16), primary_key=True)


class ChatReport(db.Model):
    __tablename__ = "chat_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"), nullable=False)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    message = relationship(ChatMessage)
    reporter = relationship(User)

    __table_args__ = (UniqueConstraint("message_id", "reporter_id"),)


class ChatModerationEntry(db.Model):
    """One moderation action (delete, mute, unmute, pin, unpin, report, mode change)."""

    __tablename__ = "chat_moderation_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("chat_messages.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    actor = relationship(User, foreign_keys=[actor_id])
    target = relationship(User, foreign_keys=[target_user_id])
