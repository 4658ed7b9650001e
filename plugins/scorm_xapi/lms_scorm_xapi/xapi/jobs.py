"""Sending statements: one learner at a time, oldest first, with back-off.

``send_learner`` is the job the hooks enqueue. It claims the learner's slot (one
sender per learner, on any number of workers, by a conditional UPDATE), then sends the
learner's statements in the order of their events; a failure that may pass (the LRS
down or slow, 5xx, 401/403) stops it there and dates the next try by
``SCORM_XAPI_RETRY_INTERVALS``, so a later statement never reaches the LRS before an
earlier one. After the last interval the statement is *given up* and holds the
learner's later ones back until the admin tries again (``retry``). A statement the LRS
calls invalid (400) is *rejected* and does not hold the others.

``send_due`` is the periodic task ``scorm_xapi.xapi.send``: it starts a sender for each
learner with statements due (retries, and any whose job was lost).

The job never raises for the LRS's failures (they are retried here, on the row, not by
rq); it raises only when the database itself fails, and then rq retries it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests

from lms_core import db, enqueue
from lms_core.models import User, utcnow

from lms_scorm_xapi.xapi import lrs as lrs_client
from lms_scorm_xapi.xapi import settings
from lms_scorm_xapi.xapi.models import BLOCKING, FAILED, GIVEN_UP, PENDING, REJECTED, SENT, UNSENT, Learner, Statement
from lms_scorm_xapi.xapi.statements import actor_for, with_actor

log = logging.getLogger("lms.scorm_xapi.xapi")

SWEEP_LIMIT = 500


def _claim_seconds() -> float:
    return float(settings.config("SCORM_XAPI_CONNECT_TIMEOUT")) + float(settings.config("SCORM_XAPI_READ_TIMEOUT")) + 30


def _claim(user_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        db.update(Learner)
        .where(Learner.user_id == user_id, db.or_(Learner.claimed_until.is_(None), Learner.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=_claim_seconds()))
    ).rowcount
    db.session.commit()
    return claimed == 1


def _release(user_id: int) -> None:
    db.session.execute(db.update(Learner).where(Learner.user_id == user_id).values(claimed_until=None))
    db.session.commit()


def _next(user_id: int):
    """The learner's oldest statement that is not done (sent or rejected)."""
    return db.session.execute(
        db.select(Statement)
        .where(Statement.user_id == user_id, Statement.status.in_(BLOCKING))
        .order_by(Statement.order_key, Statement.id)
        .limit(1)
    ).scalar_one_or_none()


def _due(row, now) -> bool:
    return row is not None and row.status in UNSENT and row.next_try_at <= now


def send_learner(user_id: int) -> dict:
    """Send what is due of one learner's statements, in order. Returns the counts."""
    counts = {"sent": 0, "failed": 0}
    if not settings.enabled():
        return counts
    while True:
        now = utcnow()
        if not _claim(user_id, now):
            return counts  # another sender has this learner: it goes on to the newest
        try:
            more = _send_claimed(user_id, counts)
        finally:
            db.session.rollback()
            _release(user_id)
        if more:
            enqueue(send_learner, user_id)  # a long backlog: hand over, so other learners get a turn
            return counts
        # a statement written while we released would find the slot taken: look once more
        if counts["failed"] or not _due(_next(user_id), utcnow()):
            db.session.rollback()
            return counts


def _send_claimed(user_id: int, counts: dict) -> bool:
    """Send up to a batch; returns whether more are due after it."""
    lrs = settings.lrs()
    user = db.session.get(User, user_id)
    if user is None:
        return False
    actor = actor_for(user.id, user.email, lrs["actor"])
    batch = int(settings.config("SCORM_XAPI_BATCH"))
    with requests.Session() as http:
        for _ in range(batch):
            row = _next(user_id)
            now = utcnow()
            if not _due(row, now):
                return False  # nothing left, or the oldest waits for its retry (or the admin)
            _send_one(row, actor, lrs, http, counts)
            if row.status != SENT and row.status != REJECTED:
                return False
            db.session.execute(
                db.update(Learner)
                .where(Learner.user_id == user_id)
                .values(claimed_until=utcnow() + timedelta(seconds=_claim_seconds()))
            )
            db.session.commit()
    return _due(_next(user_id), utcnow())


def _send_one(row: Statement, actor: dict, lrs: dict, http, counts: dict) -> None:
    row.attempts += 1
    try:
        answer = lrs_client.put_statement(with_actor(row.body, actor), lrs, session=http)
    except lrs_client.LrsError as exc:
        counts["failed"] += 1
        now = utcnow()
        intervals = settings.retry_intervals()
        row.retried += 1
        row.last_status = exc.status
        row.last_error = str(exc)[:2000]
        if not exc.retry:
            row.status = REJECTED
        elif row.attempts > len(intervals):
            row.status = GIVEN_UP
            log.error("statement %s was not sent after %s attempts: given up (%s)", row.id, row.attempts, exc)
        else:
            row.status = FAILED
            row.next_try_at = now + timedelta(seconds=intervals[row.attempts - 1])
        db.session.commit()
        return
    counts["sent"] += 1
    row.status = SENT
    row.duplicate = answer.duplicate
    row.last_status = answer.status
    row.last_error = None
    row.sent_at = utcnow()
    db.session.commit()


# ---------------------------------------------------------------- the periodic task


def send_due(now: datetime | None = None) -> int:
    """Start a sender for every learner with a statement due; returns how many."""
    if not settings.enabled():
        return 0
    now = now or utcnow()
    users = (
        db.session.execute(
            db.select(Statement.user_id)
            .where(Statement.status.in_(UNSENT), Statement.next_try_at <= now)
            .group_by(Statement.user_id)
            .order_by(db.func.min(Statement.order_key))
            .limit(SWEEP_LIMIT)
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    for user_id in users:
        enqueue(send_learner, user_id)
    return len(users)


# ---------------------------------------------------------------- on demand


def retry(statement_ids=(), user_id: int | None = None, everything_failed: bool = False) -> int:
    """The admin's "Try again": the chosen statements (or every failed and given-up one)
    are due now, with their attempts counted afresh. Returns how many."""
    query = db.update(Statement).where(Statement.status.in_((FAILED, GIVEN_UP, REJECTED, PENDING)))
    if statement_ids:
        query = query.where(Statement.id.in_(list(statement_ids)))
    elif user_id is not None:
        query = query.where(Statement.user_id == user_id)
    elif not everything_failed:
        return 0
    changed = db.session.execute(
        query.values(status=PENDING, attempts=0, next_try_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if changed:
        send_due()
    return changed


def replay(since: datetime) -> int:
    """Every statement of learning records since ``since`` goes again to the LRS in force
    (a new LRS gets the history): marked pending, then sent learner by learner."""
    changed = db.session.execute(
        db.update(Statement)
        .where(Statement.created_at >= since)
        .values(status=PENDING, attempts=0, next_try_at=utcnow(), duplicate=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed


def send_all(limit: int = 1_000_000) -> dict:
    """Send every due statement in this process, learner by learner (the CLI's replay)."""
    totals = {"sent": 0, "failed": 0}
    done: set[int] = set()
    while totals["sent"] + totals["failed"] < limit:
        users = (
            db.session.execute(
                db.select(Statement.user_id)
                .where(Statement.status.in_(UNSENT), Statement.next_try_at <= utcnow())
                .group_by(Statement.user_id)
                .limit(SWEEP_LIMIT)
            )
            .scalars()
            .all()
        )
        users = [u for u in users if u not in done]
        db.session.rollback()
        if not users:
            break
        for user_id in users:
            counts = send_learner(user_id)
            totals["sent"] += counts["sent"]
            totals["failed"] += counts["failed"]
            if counts["failed"] or not counts["sent"]:
                done.add(user_id)  # waits for its retry, or another sender has it
    return totals
