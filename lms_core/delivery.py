"""Delivering the durable event log's events: after the commit, again later, on demand.

* ``deliver_committed``: right after the commit, in the process that made the change.
* ``redeliver_due``: the periodic task ``core.events.redeliver`` (``lms scheduler`` or
  ``lms tick``): deliveries that failed and are due again (back-off:
  ``LMS_EVENT_RETRY_INTERVALS``) and deliveries never tried (the process died between
  its commit and the dispatch, ``LMS_EVENT_DISPATCH_GRACE`` seconds after the event).
  After the last interval a delivery is *given up*: the admin plugins page shows it with
  a "Try again" button, and ``lms events replay --failed`` retries it.
* ``prune``: the periodic task ``core.events.prune`` drops events (and their
  deliveries) older than ``LMS_EVENT_RETENTION_DAYS``.

Order: a target (a plugin, or a notification channel) never receives a user's event
while an earlier event of that user is still undelivered to it, given-up ones included.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import tuple_

from lms_core.extensions import db
from lms_core.models import Event, EventDelivery, utcnow

log = logging.getLogger("lms.events")

CLAIM_SECONDS = 120  # a sweep owns the deliveries it picked for this long
PRUNE_CHUNK = 5000
PRUNE_MAX_PER_RUN = 200_000
UNDELIVERED = EventDelivery.delivered_at.is_(None)


def _manager():
    from lms_core.plugins import get_plugin_manager

    return get_plugin_manager()


def target_plugin(target: str) -> str:
    """The plugin a delivery target belongs to (``"mailer/mail"`` belongs to ``mailer``)."""
    return target.split("/", 1)[0]


def deliver_target(target: str, hook: str, payload: dict, info) -> tuple[str, BaseException | None]:
    """Deliver one event to one target: ``delivered``, ``failed`` or ``waiting``."""
    manager = _manager()
    if "/" in target:
        return _deliver_to_channel(manager, target, payload)
    return manager.deliver_one(target, hook, {**payload, "event": info})


def _deliver_to_channel(manager, target, payload):
    from lms_core import jobs
    from lms_core.services.notifications import deliver_job

    plugin, channel = target.split("/", 1)
    if not manager.is_enabled(plugin) or plugin not in manager.installed:
        return "waiting", None
    notification_id = payload["notification"].id
    try:
        if current_app.config.get("REDIS_URL"):
            # Handed to rq (which retries the job itself); Redis down = a failed delivery.
            jobs.enqueue(deliver_job, plugin, channel, notification_id)
        else:
            # No queue: run it now and let a failure be retried by the event log.
            jobs.run_job(jobs.function_path(deliver_job), (plugin, channel, notification_id), {}, inline=True)
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery and retried
        log.warning("channel %s could not take notification %s: %s", target, notification_id, exc)
        return "failed", exc
    return "delivered", None


# ---------------------------------------------------------------- right after the commit


def deliver_committed(events: list) -> None:
    """Dispatch events this process just committed, oldest first, one target at a time."""
    durable = current_app.config["LMS_EVENT_LOG"]
    blocked = _blocked_by_earlier(events) if durable else set()
    delivered, failed = [], []
    for pending in events:
        for target in pending.targets:
            key = (target, pending.user_key)
            if pending.user_key is not None and key in blocked:
                continue  # an earlier event of this user waits for this target: keep the order
            outcome, exc = deliver_target(target, pending.info.name, pending.payload, pending.info)
            _forget_uncommitted_changes()
            if outcome == "delivered":
                delivered.append((pending.info.id, target))
            else:
                blocked.add(key)
                if outcome == "failed":
                    failed.append((pending.info.id, target, 0, exc))
    if durable:
        _record(delivered, failed)


def _forget_uncommitted_changes() -> None:
    """A handler changed rows without committing (through the ORM, ``text()`` or the
    session's connection): they must not leak into the next handler's commit or the
    next request's transaction, nor an aborted transaction into either."""
    from lms_core.connections import wrote

    session = db.session()
    if not session.in_transaction():
        return
    try:
        # a caught flush error leaves the transaction inactive, with nothing new or dirty
        leak = bool(session.new or session.dirty or session.deleted) or not session.is_active
        leak = leak or wrote(session.connection())
    except Exception:  # noqa: BLE001 - a session in a state nothing but a rollback mends
        leak = True
    if leak:
        session.rollback()


_DELIVERIES = EventDelivery.__table__


def _blocked_by_earlier(events: list) -> set:
    """(target, user) pairs with an undelivered event older than these: one query, after
    their commit (it sees every earlier commit). On a connection of its own when the
    session holds none (right after a commit, or after the marks of the last round):
    no transaction on the session to roll back, which would expire every object it
    loaded. Never a second connection while the session holds one: a thread holding
    one and waiting for another is how a busy pool deadlocks."""
    users = {p.user_key for p in events if p.user_key is not None and p.targets}
    if not users:
        return set()
    targets = {t for p in events for t in p.targets}
    oldest = min(p.info.id for p in events)
    c = _DELIVERIES.c
    query = (
        db.select(c.target, c.user_key)
        .distinct()
        .where(UNDELIVERED, c.target.in_(targets), c.user_key.in_(users), c.event_id < oldest)
    )
    if db.session().in_transaction():
        rows = db.session.execute(query).all()
        db.session.rollback()
    else:
        with db.engine.connect() as conn:
            rows = conn.execute(query).all()
    return {(r[0], r[1]) for r in rows}


def _record(delivered: list, failed: list) -> None:
    """Mark outcomes, in a transaction of their own (handlers committed their work;
    what they left uncommitted is rolled back first, which also gives the session's
    connection back: the marks take one connection at a time). On a bare connection,
    not the session: its commit would run the session's listeners and expire its
    objects for nothing.

    On PostgreSQL without waiting for the disk: a "delivered" mark lost in a crash only
    means one more delivery, which handlers must tolerate anyway (at least once)."""
    if not delivered and not failed:
        return
    now = utcnow()
    intervals = list(current_app.config["LMS_EVENT_RETRY_INTERVALS"])
    db.session.rollback()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(db.text("SET LOCAL synchronous_commit TO OFF"))
        if delivered:
            c = _DELIVERIES.c  # on the table: the ORM's bulk UPDATE path costs more
            conn.execute(
                db.update(_DELIVERIES)
                .where(tuple_(c.event_id, c.target).in_(delivered))
                .values(delivered_at=now, attempts=c.attempts + 1, given_up=False)
            )
        for event_id, target, attempts_before, exc in failed:
            attempts = attempts_before + 1
            given_up = attempts > len(intervals)
            conn.execute(
                db.update(_DELIVERIES)
                .where(_DELIVERIES.c.event_id == event_id, _DELIVERIES.c.target == target)
                .values(
                    attempts=attempts,
                    given_up=given_up,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                    next_try_at=now if given_up else now + timedelta(seconds=intervals[attempts - 1]),
                )
            )
            if given_up:
                log.error("event %s was not delivered to %s after %s attempts: given up", event_id, target, attempts)


# ---------------------------------------------------------------- later: the periodic task


def redeliver_due(limit: int = 500, only: str | None = None, now=None) -> dict[str, int]:
    """Deliver what is due: failed deliveries whose next try has come and deliveries
    never tried past the grace period. ``only`` limits it to one plugin's targets."""
    from lms_core.event_codec import decode
    from lms_core.payloads import EventInfo

    now = now or utcnow()
    counts = {"delivered": 0, "failed": 0, "given_up": 0, "waiting": 0}
    query = (
        db.select(
            EventDelivery.event_id,
            EventDelivery.target,
            EventDelivery.user_key,
            EventDelivery.attempts,
            EventDelivery.next_try_at,
        )
        .where(UNDELIVERED, EventDelivery.given_up.is_(False), EventDelivery.next_try_at <= now)
        .order_by(EventDelivery.next_try_at)
        .limit(limit)
    )
    if only:
        query = query.where(_of_plugin(only))
    due = sorted(db.session.execute(query).all(), key=lambda r: r.event_id)
    db.session.rollback()
    manager = _manager()
    blocked: set = set()
    for row in due:
        key = (row.target, row.user_key)
        plugin = target_plugin(row.target)
        if not manager.is_enabled(plugin) or (plugin not in manager.installed and not plugin.startswith("lms_core.")):
            _postpone(row, now, hours=1)  # disabled or uninstalled: looked at again hourly, or when enabled
            counts["waiting"] += 1
            continue
        if key in blocked or (row.user_key is not None and _earlier_waiting(row)):
            blocked.add(key)
            counts["waiting"] += 1
            continue
        if not _claim(row, now):
            continue  # another sweep took it
        event = db.session.get(Event, row.event_id)
        if event is None:
            continue
        info = EventInfo(event.id, event.hook, event.created_at)
        try:
            payload = decode(event.payload)
        except Exception as exc:  # noqa: BLE001 - a payload type that no longer imports
            outcome, error = "failed", exc
        else:
            db.session.rollback()  # the handler starts on a clean session
            outcome, error = deliver_target(row.target, info.name, payload, info)
            _forget_uncommitted_changes()
        if outcome == "delivered":
            _record([(row.event_id, row.target)], [])
            counts["delivered"] += 1
        elif outcome == "failed":
            blocked.add(key)
            _record([], [(row.event_id, row.target, row.attempts, error)])
            counts[
                "given_up" if row.attempts + 1 > len(current_app.config["LMS_EVENT_RETRY_INTERVALS"]) else "failed"
            ] += 1
        else:
            _postpone(row, now, hours=1)
            counts["waiting"] += 1
    if counts["delivered"] or counts["failed"] or counts["given_up"]:
        log.info("event redelivery: %s", counts)
    return counts


def _of_plugin(plugin: str):
    return db.or_(EventDelivery.target == plugin, EventDelivery.target.startswith(plugin + "/"))


def _earlier_waiting(row) -> bool:
    return (
        db.session.execute(
            db.select(EventDelivery.event_id)
            .where(
                UNDELIVERED,
                EventDelivery.target == row.target,
                EventDelivery.user_key == row.user_key,
                EventDelivery.event_id < row.event_id,
            )
            .limit(1)
        ).first()
        is not None
    )


def _claim(row, now) -> bool:
    claimed = db.session.execute(
        db.update(EventDelivery)
        .where(
            EventDelivery.event_id == row.event_id,
            EventDelivery.target == row.target,
            UNDELIVERED,
            EventDelivery.next_try_at == row.next_try_at,
        )
        .values(next_try_at=now + timedelta(seconds=CLAIM_SECONDS))
    ).rowcount
    db.session.commit()
    return claimed == 1


def _postpone(row, now, hours: int) -> None:
    db.session.execute(
        db.update(EventDelivery)
        .where(EventDelivery.event_id == row.event_id, EventDelivery.target == row.target, UNDELIVERED)
        .values(next_try_at=now + timedelta(hours=hours))
    )
    db.session.commit()


def wake(plugin: str) -> None:
    """A plugin was enabled (again): what waits for it is due now."""
    db.session.execute(
        db.update(EventDelivery)
        .where(UNDELIVERED, EventDelivery.given_up.is_(False), _of_plugin(plugin))
        .values(next_try_at=utcnow())
    )
    db.session.commit()


# ---------------------------------------------------------------- on demand


def replay(event_ids=(), plugin: str | None = None, failed: bool = False, since=None) -> int:
    """Make deliveries due now; returns how many. ``failed``: the undelivered ones
    (given up or failing) of ``plugin`` or of everybody. ``event_ids``: those events
    again, delivered or not (to ``plugin`` only when given; a plugin that had no delivery
    of the event gets one). ``since`` with ``plugin``: every event since then of the
    hooks the plugin implements, including those it never had (enabled later)."""
    from lms_core.events import event_id_floor

    now = utcnow()
    changed = 0
    reset = dict(delivered_at=None, given_up=False, attempts=0, next_try_at=now)
    if failed:
        query = db.update(EventDelivery).where(UNDELIVERED)
        changed += db.session.execute((query.where(_of_plugin(plugin)) if plugin else query).values(**reset)).rowcount
    if event_ids:
        if plugin:
            _add_missing_deliveries(plugin, db.select(Event.id, Event.user_key).where(Event.id.in_(event_ids)))
        query = db.update(EventDelivery).where(EventDelivery.event_id.in_(event_ids))
        changed += db.session.execute((query.where(_of_plugin(plugin)) if plugin else query).values(**reset)).rowcount
    if since is not None and plugin:
        hooks = _manager().installed[plugin].hooks if plugin in _manager().installed else []
        floor = event_id_floor(since)
        changed += _add_missing_deliveries(
            plugin,
            db.select(Event.id, Event.user_key).where(
                Event.id >= floor, Event.hook.in_([h for h in hooks if h.startswith("on_")])
            ),
        )
        changed += db.session.execute(
            db.update(EventDelivery)
            .where(EventDelivery.event_id >= floor, EventDelivery.target == plugin, UNDELIVERED)
            .values(**reset)
        ).rowcount
    db.session.commit()
    return changed


def _add_missing_deliveries(plugin: str, events_query) -> int:
    have = set(
        db.session.execute(
            db.select(EventDelivery.event_id).where(
                EventDelivery.target == plugin, EventDelivery.event_id.in_(events_query.with_only_columns(Event.id))
            )
        ).scalars()
    )
    rows = [
        {
            "event_id": event_id,
            "target": plugin,
            "user_key": user_key,
            "attempts": 0,
            "given_up": False,
            "next_try_at": utcnow(),
        }
        for event_id, user_key in db.session.execute(events_query)
        if event_id not in have
    ]
    if rows:
        db.session.execute(db.insert(EventDelivery.__table__), rows)
    return len(rows)


def deliver_now(plugin: str | None = None, limit: int = 10_000) -> dict[str, int]:
    """Redeliver what is due until nothing more moves (``lms events replay``, the
    admin's "Try again"); bounded by ``limit`` deliveries."""
    total = {"delivered": 0, "failed": 0, "given_up": 0, "waiting": 0}
    while total["delivered"] + total["failed"] + total["given_up"] < limit:
        counts = redeliver_due(limit=500, only=plugin)
        for key in ("delivered", "failed", "given_up"):
            total[key] += counts[key]
        total["waiting"] = counts["waiting"]  # what still waits after the last round
        if not (counts["delivered"] or counts["failed"] or counts["given_up"]):
            break
    return total


# ---------------------------------------------------------------- what the admin sees


def waiting_by_plugin() -> dict[str, dict]:
    """For each plugin with undelivered events: how many are failing (to be retried),
    given up, never tried, and the last error. Reads only the undelivered rows."""
    tried = (EventDelivery.attempts > db.literal_column("0")).label("tried")
    rows = db.session.execute(
        db.select(
            EventDelivery.target, EventDelivery.given_up, tried, db.func.count(), db.func.max(EventDelivery.last_error)
        )
        .where(UNDELIVERED)
        .group_by(EventDelivery.target, EventDelivery.given_up, db.literal_column("tried"))
    ).all()
    result: dict[str, dict] = {}
    for target, given_up, tried, count, error in rows:
        entry = result.setdefault(
            target_plugin(target), {"given_up": 0, "failing": 0, "pending": 0, "last_error": None}
        )
        entry["given_up" if given_up else "failing" if tried else "pending"] += count
        if error and (given_up or entry["last_error"] is None):
            entry["last_error"] = error
    return result


# ---------------------------------------------------------------- retention


def prune(now=None) -> int:
    """Drop events older than the retention and their deliveries, in chunks (event ids
    sort by time, so this walks the primary key). Returns how many events went."""
    from lms_core.events import event_id_floor

    now = now or utcnow()
    floor = event_id_floor(now - timedelta(days=current_app.config["LMS_EVENT_RETENTION_DAYS"]))
    removed = 0
    while removed < PRUNE_MAX_PER_RUN:
        ids = (
            db.session.execute(db.select(Event.id).where(Event.id < floor).order_by(Event.id).limit(PRUNE_CHUNK))
            .scalars()
            .all()
        )
        if not ids:
            break
        db.session.execute(db.delete(EventDelivery).where(EventDelivery.event_id.in_(ids)))
        db.session.execute(db.delete(Event).where(Event.id.in_(ids)))
        db.session.commit()
        removed += len(ids)
    return removed
