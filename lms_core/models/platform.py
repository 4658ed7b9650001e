"""Tables of the platform itself: plugin state and the failures admins must see."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.extensions import db
from lms_core.models.base import UTCDateTime, utcnow


class PluginState(db.Model):
    """An admin's choice for an installed plugin. No row means enabled."""

    __tablename__ = "plugin_states"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    changed_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class PluginError(db.Model):
    """A failure of one plugin (loading or a hook call), shown on the admin page."""

    __tablename__ = "plugin_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    hook: Mapped[str] = mapped_column(String(100), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    traceback: Mapped[str] = mapped_column(Text, nullable=False, default="")
    occurred_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class JobFailure(db.Model):
    """A job that raised; with rq it is retried with back-off until ``final``."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    function: Mapped[str] = mapped_column(String(300), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    final: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    traceback: Mapped[str] = mapped_column(Text, nullable=False, default="")
    occurred_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PeriodicRun(db.Model):
    """When ``lms tick`` last ran each periodic task (deployments without Redis)."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_run_at = mapped_column(UTCDateTime, nullable=False)


class Event(db.Model):
    """One event of the durable log (the transactional outbox): written in the same
    transaction as the change that caused it, so an event of rolled-back work never
    exists. ``id`` is time-ordered (a ULID), so ordering and pruning by age are both
    range scans of the primary key."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    hook: Mapped[str] = mapped_column(String(100), nullable=False)
    user_key: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class EventDelivery(db.Model):
    """One plugin's (or one notification channel's) delivery of one event.

    ``delivered_at`` set: done. Otherwise it is waiting: never tried (``attempts == 0``),
    failed and due again at ``next_try_at``, or ``given_up`` after the last attempt (the
    admin's "try again" or ``lms events replay`` resets it). Both indexes cover only the
    rows not delivered yet, so they stay small however long the log grows."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        db.Index(
            "ix_event_deliveries_due",
            "next_try_at",
            postgresql_where=db.text("delivered_at IS NULL"),
            sqlite_where=db.text("delivered_at IS NULL"),
        ),
        db.Index(
            "ix_event_deliveries_waiting",
            "target",
            "user_key",
            "event_id",
            postgresql_where=db.text("delivered_at IS NULL"),
            sqlite_where=db.text("delivered_at IS NULL"),
        ),
    )

    event_id: Mapped[str] = mapped_column(String(26), db.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    # a plugin name, or "<plugin>/<channel>" for a notification channel
    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_key: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    given_up: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    next_try_at = mapped_column(UTCDateTime, nullable=False)
    delivered_at = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
