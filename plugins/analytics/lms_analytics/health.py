"""How the platform is doing, for the admin's platform view and the Prometheus metrics:
plugins and their failures, the job queue, event deliveries that failed."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from lms_core import db
from lms_core.models import JobFailure, PluginError, utcnow

WINDOW = timedelta(hours=24)
JOB_QUEUE = "lms"  # the queue `lms worker` listens on


def plugins() -> list[dict]:
    manager = current_app.extensions["lms_plugins"]
    since = utcnow() - WINDOW
    errors = dict(
        db.session.execute(
            select(PluginError.plugin, func.count())
            .where(PluginError.occurred_at >= since)
            .group_by(PluginError.plugin)
        ).all()
    )
    return [
        {
            "name": name,
            "version": info.version,
            "enabled": manager.is_enabled(name),
            "hooks": len(info.hooks),
            "errors": errors.get(name, 0),
            "load_error": info.load_error,
        }
        for name, info in sorted(manager.installed.items())
    ]


def event_failures() -> list[dict]:
    """Failed event deliveries (an ``on_*`` hook that raised) in the last 24 hours, per hook."""
    since = utcnow() - WINDOW
    rows = db.session.execute(
        select(PluginError.hook, func.count(), func.max(PluginError.occurred_at))
        .where(PluginError.occurred_at >= since, PluginError.hook.like("on\\_%", escape="\\"))
        .group_by(PluginError.hook)
        .order_by(PluginError.hook)
    ).all()
    return [{"hook": h, "failures": n, "last": last} for h, n, last in rows]


def event_failure_totals() -> dict[str, int]:
    """Failed deliveries per event hook, ever (a counter for Prometheus)."""
    return dict(
        db.session.execute(
            select(PluginError.hook, func.count())
            .where(PluginError.hook.like("on\\_%", escape="\\"))
            .group_by(PluginError.hook)
        ).all()
    )


def jobs() -> dict:
    since = utcnow() - WINDOW
    failures = db.session.execute(
        select(func.count(), func.coalesce(func.sum(db.case((JobFailure.final.is_(True), 1), else_=0)), 0)).where(
            JobFailure.occurred_at >= since
        )
    ).one()
    totals = dict(db.session.execute(select(JobFailure.final, func.count()).group_by(JobFailure.final)).all())
    state = {
        "backend": "inline",
        "queued": 0,
        "failed": 0,
        "scheduled": 0,
        "workers": 0,
        "failures_24h": failures[0],
        "final_failures_24h": int(failures[1]),
        "failures_total": sum(totals.values()),
        "final_failures_total": totals.get(True, 0),
        "error": None,
    }
    if current_app.config.get("REDIS_URL"):
        state["backend"] = "rq"
        try:
            from rq import Queue, Worker

            from lms_core import redis_connection

            q = Queue(JOB_QUEUE, connection=redis_connection())
            state.update(
                queued=q.count,
                failed=q.failed_job_registry.count,
                scheduled=q.scheduled_job_registry.count,
                workers=Worker.count(queue=q),
            )
        except Exception as exc:  # Redis down: the page says so instead of failing
            state["error"] = f"{type(exc).__name__}: {exc}"
    return state
