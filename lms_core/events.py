"""The durable event log (the transactional outbox).

Services call ``emit(...)`` while they change rows, then ``commit()``. ``emit`` encodes
the payload (``lms_core.event_codec``) and notes which enabled plugins implement the
hook; just before the commit the event and one delivery per plugin are written **in the
same transaction**, so an event of rolled-back work never exists and a committed change
never loses its event. After the commit the events are dispatched in this process, one
implementation at a time, in the order they were emitted, and each delivery is marked
delivered or failed. Whatever this process does not deliver (it died, Redis was down, a
plugin raised) is redelivered by ``lms_core.delivery.redeliver_due``, a periodic task.

Handlers may commit and emit in turn: their events join the end of the dispatch that is
running, so one user's events reach each plugin in the order they were written.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from lms_core.extensions import db

_QUEUE_KEY = "lms_pending_events"
_DISPATCHING_KEY = "lms_dispatching_events"


@dataclass
class PendingEvent:
    """An emitted event on its way: written before the commit, dispatched after it."""

    info: object  # lms_core.payloads.EventInfo
    payload: dict
    payload_json: str
    user_key: str | None
    targets: list[str]
    state: str = "emitted"  # -> "staged" (inserted, commit under way) -> "committed"
    delivered: list[str] = field(default_factory=list)


def emit(hook_name: str, **payload) -> None:
    """Record an event in the current transaction; it is delivered after the commit.

    ``payload`` holds the hook's arguments (snapshots and JSON values). Its ``user``
    argument, when there is one, orders delivery: a plugin never receives a user's later
    event while an earlier one is still undelivered to it."""
    emit_to(hook_name, payload)


def emit_to(hook_name: str, payload: dict, extra_targets: tuple[str, ...] = ()) -> PendingEvent:
    """``emit`` with deliveries of the core's own on top of the plugins' (notification
    channels, ``"<plugin>/<channel>"``)."""
    from flask import current_app

    from lms_core import event_codec
    from lms_core.models import utcnow
    from lms_core.payloads import EventInfo
    from lms_core.plugins import get_plugin_manager

    text = event_codec.encode(payload)
    if current_app.config.get("LMS_EVENTS_VERIFY_SNAPSHOTS") and event_codec.decode(text) != payload:
        raise event_codec.PayloadError(
            f"the payload of {hook_name} does not come back the same from JSON: "
            f"{payload!r} != {event_codec.decode(text)!r}"
        )
    user = payload.get("user")
    user_key = str(getattr(user, "id", user)) if user is not None and not isinstance(user, (dict, list)) else None
    pending = PendingEvent(
        EventInfo(new_event_id(), hook_name, utcnow()),
        payload,
        text,
        user_key,
        get_plugin_manager().event_targets(hook_name) + list(extra_targets),
    )
    db.session.info.setdefault(_QUEUE_KEY, []).append(pending)
    return pending


def commit() -> None:
    """Commit the session, then dispatch the events written with it."""
    db.session.commit()
    dispatch()


def dispatch() -> None:
    """Deliver the committed events of this session, oldest first. A handler's own
    events are appended and delivered by the same loop (never re-entered)."""
    from lms_core import delivery

    info = db.session.info
    if info.get(_DISPATCHING_KEY):
        return
    info[_DISPATCHING_KEY] = True
    try:
        while True:
            queue = info.get(_QUEUE_KEY) or []
            ready = [p for p in queue if p.state == "committed"]
            if not ready:
                return
            info[_QUEUE_KEY] = [p for p in queue if p.state != "committed"]
            delivery.deliver_committed(ready)
    finally:
        info.pop(_DISPATCHING_KEY, None)


# ---------------------------------------------------------------- the outbox write


@event.listens_for(Session, "before_commit")
def _write_events_with_the_transaction(session):
    queue = session.info.get(_QUEUE_KEY)
    if not queue:
        return
    new = [p for p in queue if p.state == "emitted"]
    if not new:
        return
    from flask import current_app

    from lms_core.models import Event, EventDelivery

    if not current_app.config["LMS_EVENT_LOG"]:  # the benchmark's baseline: nothing durable
        for p in new:
            p.state = "staged"
        return
    grace = timedelta(seconds=current_app.config["LMS_EVENT_DISPATCH_GRACE"])
    session.execute(
        db.insert(Event.__table__),
        [
            {
                "id": p.info.id,
                "hook": p.info.name,
                "user_key": p.user_key,
                "payload": p.payload_json,
                "created_at": p.info.created_at,
            }
            for p in new
        ],
    )
    deliveries = [
        {
            "event_id": p.info.id,
            "target": target,
            "user_key": p.user_key,
            "attempts": 0,
            "given_up": False,
            "next_try_at": p.info.created_at + grace,
        }
        for p in new
        for target in p.targets
    ]
    if deliveries:
        session.execute(db.insert(EventDelivery.__table__), deliveries)
    for p in new:
        p.state = "staged"


@event.listens_for(Session, "after_commit")
def _events_are_committed(session):
    for p in session.info.get(_QUEUE_KEY) or ():
        if p.state == "staged":
            p.state = "committed"


@event.listens_for(Session, "after_soft_rollback")
def _drop_events_of_rolled_back_work(session, previous_transaction):
    queue = session.info.get(_QUEUE_KEY)
    if queue:
        kept = [p for p in queue if p.state == "committed"]
        if kept:
            session.info[_QUEUE_KEY] = kept
        else:
            session.info.pop(_QUEUE_KEY, None)


# ---------------------------------------------------------------- event ids

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_id_lock = threading.Lock()
_last = [0, 0]  # milliseconds, random part of the last id made by this process


def new_event_id() -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, 26 characters that sort by
    time (and, within this process, strictly in the order they were made)."""
    with _id_lock:
        ms = int(time.time() * 1000)
        if ms <= _last[0]:
            ms, rand = _last[0], _last[1] + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 1  # room to count up
        _last[0], _last[1] = ms, rand
    return _base32((ms << 80) | rand)


def event_id_floor(moment: datetime) -> str:
    """The smallest event id of ``moment``: ids below it are older."""
    return _base32(int(moment.timestamp() * 1000) << 80)


def _base32(number: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[number & 31])
        number >>= 5
    return "".join(reversed(chars))
