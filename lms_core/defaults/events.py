"""The core's periodic tasks that keep the event log honest: redeliver what is due,
recover jobs whose worker died, drop events past their retention."""

from __future__ import annotations

from flask import current_app

from hookspecs import hookimpl
from lms_core.contracts import PeriodicTask

PRUNE_INTERVAL = 3600


REDELIVERY_BUDGET_SECONDS = 10  # one run keeps going while there is work, this long at most


def redeliver_events() -> None:
    import time

    from lms_core.delivery import redeliver_due

    deadline = time.monotonic() + REDELIVERY_BUDGET_SECONDS
    while time.monotonic() < deadline:
        counts = redeliver_due()
        if not (counts["delivered"] or counts["failed"] or counts["given_up"]):
            return  # after an outage, thousands wait: drain them in rounds of 500


def recover_abandoned_jobs() -> None:
    from lms_core.jobs import recover_abandoned_jobs as recover

    recover()


def prune_events() -> None:
    from lms_core.delivery import prune

    prune()


@hookimpl(trylast=True)
def lms_periodic_tasks():
    interval = current_app.config["LMS_EVENT_REDELIVERY_INTERVAL"]
    tasks = [
        PeriodicTask("core.events.redeliver", redeliver_events, interval),
        PeriodicTask("core.events.prune", prune_events, PRUNE_INTERVAL),
    ]
    if current_app.config.get("REDIS_URL"):
        tasks.append(PeriodicTask("core.jobs.recover", recover_abandoned_jobs, interval))
    return tasks
