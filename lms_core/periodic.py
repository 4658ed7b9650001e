"""Periodic tasks contributed by plugins (``lms_periodic_tasks``).

With Redis, ``lms scheduler`` enqueues them on rq; without it, ``lms tick`` (from cron,
every minute) runs the due ones, remembering the last run of each in
``periodic_runs``. Tasks are idempotent, so an extra run does no harm.
"""

from __future__ import annotations

from datetime import timedelta

from lms_core.extensions import db
from lms_core.models import PeriodicRun, utcnow
from lms_core.plugins import get_plugin_manager


def periodic_tasks():
    return get_plugin_manager().call_flat("lms_periodic_tasks")


def run_periodic(name: str) -> None:
    """Job: run one periodic task by name (names are stable, functions may move)."""
    for task in periodic_tasks():
        if task.name == name:
            task.function()
            return


def run_due_tasks(now=None) -> list[str]:
    from lms_core.jobs import enqueue

    now = now or utcnow()
    ran = []
    for task in periodic_tasks():
        row = db.session.get(PeriodicRun, task.name)
        if row is not None and now - row.last_run_at < timedelta(seconds=task.interval):
            continue
        if row is None:
            row = PeriodicRun(name=task.name, last_run_at=now)
            db.session.add(row)
        row.last_run_at = now
        db.session.commit()
        enqueue(run_periodic, task.name)
        ran.append(task.name)
    return ran
