"""The live-lectures plugin's tables (``zoom_*``): sessions and their occurrences, the
meeting each has at its provider, attendance keyed on the LMS account, recordings,
webhook deliveries (for idempotency) and the bookkeeping of reminders and tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core import db
from lms_core.models import utcnow
from lms_core.models.base import UTCDateTime

# A session's life at its provider. Learners only ever see "ready" sessions, so nobody
# is shown a session whose meeting does not exist.
PENDING = "pending"  # saved; the meeting is being created (or waits for a retry)
READY = "ready"  # the meeting exists at the provider
CANCELLING = "cancelling"  # cancelled by the teacher; the meeting is being deleted
CANCELLED = "cancelled"  # cancelled and gone from the provider
STATES = (PENDING, READY, CANCELLING, CANCELLED)


class LiveSession(db.Model):
    """A live lecture on a course: one-off or weekly recurring."""

    __tablename__ = "zoom_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)  # the first occurrence
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    # None for a one-off session; {"weekdays": [0..6 Monday first], "until": "YYYY-MM-DD"} or {"count": N}
    recurrence: Mapped[dict | None] = mapped_column(JSON)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    waiting_room: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    passcode: Mapped[str | None] = mapped_column(String(10))
    # Attendance counts towards completion when this is set: the share of the session to attend.
    completion_percent: Mapped[int | None] = mapped_column(Integer)
    in_gradebook: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=PENDING)
    # What the provider last said when a call failed, shown to the teacher with a retry button.
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    needs_sync: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # edited, not yet at the provider
    meeting_id: Mapped[str | None] = mapped_column(String(200), index=True)
    meeting: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # provider's data (urls, room, ...)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    occurrences: Mapped[list["Occurrence"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Occurrence.starts_at"
    )

    @property
    def visible(self) -> bool:
        return self.state == READY


class Occurrence(db.Model):
    """One meeting time of a session (a one-off session has exactly one)."""

    __tablename__ = "zoom_occurrences"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("zoom_sessions.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1, 2, ... in time order
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    provider_occurrence_id: Mapped[str | None] = mapped_column(String(100))
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the provider's attendance report was read (Teams: after the meeting).
    attendance_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[LiveSession] = relationship(back_populates="occurrences")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Registrant(db.Model):
    """A learner's personal registration at the provider (Zoom): their own join link,
    and the id the provider reports them under in webhooks."""

    __tablename__ = "zoom_registrants"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("zoom_sessions.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    registrant_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    join_url: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AttendanceInterval(db.Model):
    """A stretch of time a learner was in an occurrence. ``source_key`` names what
    reported it (a provider's participant event, a report row, a heartbeat), so the same
    report read twice or a redelivered webhook adds nothing."""

    __tablename__ = "zoom_attendance_intervals"
    __table_args__ = (UniqueConstraint("occurrence_id", "source_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("zoom_occurrences.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    source_key: Mapped[str] = mapped_column(String(200), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: still in the meeting


class AttendanceCorrection(db.Model):
    """A teacher's correction of a learner's minutes, with the reason. The newest one
    counts; the older ones stay as the history."""

    __tablename__ = "zoom_attendance_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("zoom_occurrences.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Recording(db.Model):
    """A recording the provider reported. A removed one stays (``removed_at``) so a
    redelivered webhook does not bring it back."""

    __tablename__ = "zoom_recordings"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("zoom_occurrences.id", ondelete="CASCADE"), nullable=False)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    external_id: Mapped[str] = mapped_column(String(200), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    occurrence: Mapped[Occurrence] = relationship()


class WebhookDelivery(db.Model):
    """A webhook received: kept under a key made from its content, so a redelivery is
    recognised and changes nothing."""

    __tablename__ = "zoom_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("provider", "delivery_key"),
        Index("ix_zoom_webhook_deliveries_unhandled", "processed_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    delivery_key: Mapped[str] = mapped_column(String(64), nullable=False)
    event: Mapped[str] = mapped_column(String(80), nullable=False)
    body: Mapped[dict] = mapped_column(JSON, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SentNotice(db.Model):
    """A notification already sent, so a periodic task run twice tells nobody twice."""

    __tablename__ = "zoom_sent_notices"
    __table_args__ = (UniqueConstraint("occurrence_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("zoom_occurrences.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class CourseRule(db.Model):
    """A course-wide attendance requirement: attend ``sessions`` occurrences, each for
    at least ``percent`` of its length."""

    __tablename__ = "zoom_course_rules"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer, nullable=False)
    percent: Mapped[int] = mapped_column(Integer, nullable=False, default=70)


class CalendarFeed(db.Model):
    """A user's secret iCal address (a random token; a new one revokes the old)."""

    __tablename__ = "zoom_calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ProviderToken(db.Model):
    """An access token a provider gave us (Zoom's Server-to-Server OAuth), shared by
    every web process and worker until shortly before it expires."""

    __tablename__ = "zoom_provider_tokens"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
