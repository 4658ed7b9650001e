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
