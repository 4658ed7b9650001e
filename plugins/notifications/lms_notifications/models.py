"""The notifications plugin's tables (all named ``notifications_*``)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow

# Delivery states, as the admin and the user see them.
QUEUED, SENDING, SENT, RETRYING, FAILED, GIVEN_UP, SKIPPED = (
    "queued",
    "sending",
    "sent",
    "retrying",
    "failed",
    "given_up",
    "skipped",
)
STATUSES = (QUEUED, SENDING, SENT, RETRYING, GIVEN_UP, SKIPPED)


class Delivery(db.Model):
    """One message on one channel: its state, attempts and the provider's answer.

    ``key`` is the idempotency key (notification or announcement, recipient, channel):
    it is unique, and a send first claims the row (queued/retrying -> sending), so a
    retried job or a second worker never sends the same message twice."""

    __tablename__ = "notifications_deliveries"
    __table_args__ = (
        Index("ix_notifications_deliveries_due", "status", "due_at"),
        Index("ix_notifications_deliveries_user", "user_id", "created_at"),
        Index("ix_notifications_deliveries_rate", "user_id", "channel", "sent_at"),
        Index("ix_notifications_deliveries_announcement", "announcement_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications_announcements.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    scenario: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    frequency: Mapped[str] = mapped_column(String(16), nullable=False, default="immediately")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=QUEUED)
    # Channels still to try, in order, when this one is given up (the scenario's fallback).
    fallback: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    due_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    sent_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Preference(db.Model):
    """A user's choice for one scenario on one channel."""

    __tablename__ = "notifications_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(16), nullable=False)


class Profile(db.Model):
    """Per-user delivery settings and addresses that the core's users table does not hold."""

    __tablename__ = "notifications_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "22:00", in the user's time zone
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    email_failing_at = mapped_column(UTCDateTime)  # a permanent SMTP refusal: no mail until confirmed
    email_failing_reason: Mapped[str | None] = mapped_column(String(500))
    email_failing_address: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at = mapped_column(UTCDateTime)
    phone_code_hash: Mapped[str | None] = mapped_column(String(64))
    phone_code_expires_at = mapped_column(UTCDateTime)
    phone_code_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    telegram_chat_id: Mapped[str | None] = mapped_column(String(32))
    telegram_link_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    telegram_link_expires_at = mapped_column(UTCDateTime)


class PushSubscription(db.Model):
    """A browser's Web Push subscription: one per browser (its endpoint)."""

    __tablename__ = "notifications_push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    endpoint: Mapped[str] = mapped_column(Text, nullable=False)
    p256dh: Mapped[str] = mapped_column(String(200), nullable=False)
    auth: Mapped[str] = mapped_column(String(64), nullable=False)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ScenarioSetting(db.Model):
    """The admin's defaults for a scenario; ``locked``: users cannot change them."""

    __tablename__ = "notifications_scenario_settings"

    scenario: Mapped[str] = mapped_column(String(64), primary_key=True)
    channels: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    frequency: Mapped[str] = mapped_column(String(16), nullable=False, default="immediately")
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Template(db.Model):
    """An admin's version of one part of a scenario's message in one language."""

    __tablename__ = "notifications_templates"
    __table_args__ = (UniqueConstraint("scenario", "language", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario: Mapped[str] = mapped_column(String(64), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    part: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Setting(db.Model):
    """Settings the admin gives on the plugin's page (bot token, SMS provider, keys)."""

    __tablename__ = "notifications_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, nullable=False)


class SmsUsage(db.Model):
    """SMS segments sent per calendar month, for the deployment's monthly cap."""

    __tablename__ = "notifications_sms_usage"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-12"
    messages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    segments: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CourseStartSent(db.Model):
    """A course start reminder sent to one learner for one start date."""

    __tablename__ = "notifications_course_starts"
    __table_args__ = (UniqueConstraint("course_id", "user_id", "occurrence", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    occurrence: Mapped[str] = mapped_column(String(16), nullable=False)  # "tomorrow" | "today"
    starts_at = mapped_column(UTCDateTime, nullable=False)


class Announcement(db.Model):
    """A teacher's message to a course, or an admin's to everyone or to a role."""

    __tablename__ = "notifications_announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(16), nullable=False, default="course")  # course|everyone|<role>
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    recipients: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    batches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    batches_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)
