"""The xAPI half's tables (``scorm_xapi_statement*``, ``scorm_xapi_lrs_*``).

A statement is written once per cause (its id is derived from the event and the verb,
so a redelivered event finds the row it made) and is then sent, retried with back-off
and logged here. The actor is not stored: it is built when the statement is sent, from
the learner's id and the deployment's choice (pseudonymous account or e-mail).
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow

PENDING = "pending"  # waiting for its first send (or sent again by a replay)
SENT = "sent"  # the LRS stored it (or already had it: 409/204 on a retry)
FAILED = "failed"  # the last try failed; tried again at next_try_at
GIVEN_UP = "given_up"  # every retry failed: waits for the admin's "Try again"
REJECTED = "rejected"  # the LRS refused it as invalid (400): retrying cannot help
STATUSES = (PENDING, SENT, FAILED, GIVEN_UP, REJECTED)
UNSENT = (PENDING, FAILED)  # what the sender still works on
BLOCKING = (PENDING, FAILED, GIVEN_UP)  # what holds a learner's later statements back


class Statement(db.Model):
    """One xAPI statement for one learner, with its sending history."""

    __tablename__ = "scorm_xapi_statements"
    __table_args__ = (
        # the sender's question: this learner's statements still to send, oldest first
        Index("ix_scorm_xapi_statements_learner_queue", "user_id", "status", "order_key"),
        # the sweep's: what is due
        Index("ix_scorm_xapi_statements_due", "status", "next_try_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the statement's id (a UUID)
    # The event's id (a ULID, sorts by time): the order statements of one learner go in.
    order_key: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    event_id: Mapped[str | None] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    verb: Mapped[str] = mapped_column(String(32), nullable=False)  # short name: "completed", "passed", …
    object_kind: Mapped[str] = mapped_column(String(32), nullable=False)  # "course", "lesson", "quiz", …
    object_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    body: Mapped[dict] = mapped_column(JSON, nullable=False)  # the statement without its actor
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    retried: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0
    )  # failed sends so far (a sent one with some was "retried")
    next_try_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the LRS's last HTTP status
    last_error: Mapped[str | None] = mapped_column(Text)
    duplicate: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)  # the LRS had it already
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)  # when it happened
    sent_at = mapped_column(UTCDateTime)


class Learner(db.Model):
    """A learner's sending slot: one sender at a time per learner keeps the order."""

    __tablename__ = "scorm_xapi_lrs_learners"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    claimed_until = mapped_column(UTCDateTime)


class LrsSetting(db.Model):
    """What the admin gave on the settings page (the LRS, its credentials, the actor)."""

    __tablename__ = "scorm_xapi_lrs_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
