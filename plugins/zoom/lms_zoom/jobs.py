"""Jobs (``lms_core.enqueue``) and periodic tasks: every call to a provider happens
here, never in the request that asked for it. Arguments are ids; each job loads fresh
rows, checks the state it expects, and is safe to run twice.

A provider that fails leaves its message on the session (``last_error``, shown to the
teacher) and, when trying again may help, raises so rq retries the job with back-off;
``repair`` retries what is still pending later (also without Redis, where jobs run
inline), up to ``ZOOM_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy.exc import IntegrityError

from lms_core import db, enqueue, events
from lms_core.models import utcnow

from lms_zoom import attendance, messages, providers, sessions, settings
from lms_zoom.models import CANCELLED, CANCELLING, PENDING, READY, LiveSession, Occurrence, Recording, SentNotice
from lms_zoom.providers import ProviderError

log = logging.getLogger("lms.zoom")
AFTER_MEETING = timedelta(minutes=5)  # when reports are ready at the provider
REPORT_WINDOW = timedelta(days=2)


def _fail(session: LiveSession, exc: ProviderError) -> None:
    session.last_error = str(exc)[:2000]
    db.session.commit()
    log.warning("live session %s (%s): %s", session.id, session.provider, exc)
    if exc.retryable and session.attempts < int(settings.get("ZOOM_MAX_ATTEMPTS")):
        raise exc


def create_meeting(session_id: int) -> str | None:
    """Create the meeting of a pending session; the session becomes ready only with it."""
    session = db.session.get(LiveSession, session_id)
    if session is None or session.state != PENDING:
        return None
    session.attempts += 1
    db.session.commit()  # no transaction stays open while the provider thinks
    provider = providers.get(session.provider)
    try:
        created = provider.create(session)
    except ProviderError as exc:
        _fail(session, exc)
        return PENDING
    db.session.commit()  # a token the provider gave us is kept even if what follows fails
    db.session.expire_all()
    session = db.session.get(LiveSession, session_id)
    made = SimpleNamespace(
        meeting_id=created.meeting_id, meeting=created.meeting, occurrences=session.occurrences, id=session.id
    )
    if session.state != PENDING:  # cancelled while we waited: take the meeting back
        _take_back(provider, made)
        return session.state
    try:
        session.meeting_id, session.meeting = created.meeting_id, created.meeting
        for occurrence in session.occurrences:
            occurrence.provider_occurrence_id = created.occurrences.get(occurrence.number)
        session.state, session.last_error, session.needs_sync = READY, None, False
        db.session.commit()
    except Exception:
        db.session.rollback()
        _take_back(provider, made)  # nothing half-created: no meeting without its session
        raise
    enqueue(tell_learners, session.id, "scheduled", "scheduled")
    return READY


def _take_back(provider, made) -> None:
    try:
        provider.delete(made)
    except ProviderError:
        log.exception("could not delete meeting %s at %s", made.meeting_id, provider.name)
        raise


def sync_meeting(session_id: int) -> bool:
    """Bring the provider's meeting in line with an edited session."""
    session = db.session.get(LiveSession, session_id)
    if session is None or session.state != READY or not session.needs_sync:
        return False
    session.attempts += 1
    db.session.commit()
    try:
        changed = providers.get(session.provider).update(session) or {}
    except ProviderError as exc:
        _fail(session, exc)
        return False
    db.session.expire_all()
    session = db.session.get(LiveSession, session_id)
    for occurrence in session.occurrences:
        if occurrence.number in changed.get("occurrences", {}):
            occurrence.provider_occurrence_id = changed["occurrences"][occurrence.number]
    data = dict(session.meeting)
    data.update({k: v for k, v in changed.items() if k != "occurrences"})
    session.meeting = data
    session.needs_sync, session.last_error, session.attempts = False, None, 0
    db.session.commit()
    return True


def delete_meeting(session_id: int) -> bool:
    """A cancelled session's meeting leaves the provider; only then is it cancelled."""
    session = db.session.get(LiveSession, session_id)
    if session is None or session.state != CANCELLING:
        return False
    session.attempts += 1
    db.session.commit()
    if session.meeting_id:
        try:
            providers.get(session.provider).delete(session)
        except ProviderError as exc:
            _fail(session, exc)
            return False
    session.state, session.last_error = CANCELLED, None
    db.session.commit()
    return True


def tell_learners(session_id: int, kind: str, key: str) -> int:
    """Notify every learner of the course once per ``key`` (a retried job skips those told)."""
    session = db.session.get(LiveSession, session_id)
    if session is None:
        return 0
    occurrence = sessions.next_occurrence(session) or (session.occurrences[0] if session.occurrences else None)
    if occurrence is None:
        return 0
    told = 0
    for learner in sessions.learners(session.course_id):
        if _claim(occurrence.id, learner.id, key):
            messages.send(learner, kind, session, occurrence)
            told += 1
    return told


def _claim(occurrence_id: int, user_id: int, kind: str) -> bool:
    db.session.add(SentNotice(occurrence_id=occurrence_id, user_id=user_id, kind=kind[:40]))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def send_reminders(now=None) -> int:
    """Periodic task ``zoom.reminders``: "starts in 15 minutes", once per learner and occurrence."""
    now = now or utcnow()
    soon = now + timedelta(minutes=float(settings.get("ZOOM_REMINDER_MINUTES")))
    due = (
        db.session.execute(
            db.select(Occurrence)
            .join(LiveSession, LiveSession.id == Occurrence.session_id)
            .where(
                LiveSession.state == READY,
                Occurrence.cancelled.is_(False),
                Occurrence.starts_at > now,
                Occurrence.starts_at <= soon,
            )
            .order_by(Occurrence.starts_at)
        )
        .scalars()
        .all()
    )
    told = 0
    for occurrence in due:
        for learner in sessions.learners(occurrence.session.course_id):
            # Keyed on the start too: a lecture moved after its reminder is reminded again.
            if _claim(occurrence.id, learner.id, f"starting:{int(occurrence.starts_at.timestamp())}"):
                messages.send(learner, "starting", occurrence.session, occurrence)
                told += 1
    return told


def after_occurrence(occurrence_id: int) -> int:
    """After a meeting: read the attendance report and recordings where the provider
    keeps them (Teams, BigBlueButton), then recheck the learners' completion."""
    occurrence = db.session.get(Occurrence, occurrence_id)
    if occurrence is None or occurrence.attendance_fetched_at is not None:
        return 0
    session = occurrence.session
    provider = providers.get(session.provider)
    learners = sessions.learners(session.course_id)
    by_email = {u.email.strip().lower(): u.id for u in learners}
    added = 0
    try:
        intervals = provider.attendance(session, occurrence, by_email)
        found = provider.recordings(session, occurrence)
    except ProviderError as exc:
        log.warning("after live session %s: %s", session.id, exc)
        if exc.retryable:
            raise
        intervals, found = None, None
    for interval in intervals or []:
        added += attendance.record_once(
            occurrence.id, interval.user_id, interval.source_key, interval.joined_at, interval.left_at
        )
    for recording in found or []:
        save_recording(occurrence, session.provider, recording)
    # Claimed with a compare-and-set: two runs of this job (a retry, two workers) cannot
    # both announce the attendance; the loser's transaction (its intervals included,
    # which record_once keeps once anyway) is rolled back.
    claimed = db.session.execute(
        db.update(Occurrence)
        .where(Occurrence.id == occurrence.id, Occurrence.attendance_fetched_at.is_(None))
        .values(attendance_fetched_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return 0
    _attended(session, occurrence, learners)  # in this transaction: once per meeting
    events.commit()
    attendance.recheck_completion(session.course_id, [u.id for u in learners])
    return added


def _attended(session, occurrence, learners) -> None:
    """``on_live_session_attended`` for every learner who was there, now that the
    attendance of this meeting is final."""
    from lms_core.payloads import UserInfo

    minutes = attendance.minutes_of_many([occurrence.id], [u.id for u in learners])
    session_info = {
        "id": session.id,
        "title": session.title,
        "course_id": session.course_id,
        "provider": session.provider,
    }
    occurrence_info = {"id": occurrence.id, "number": occurrence.number, "starts_at": occurrence.starts_at.isoformat()}
    for learner in learners:
        spent = minutes[learner.id].get(occurrence.id, 0)
        if spent > 0:
            events.emit(
                "on_live_session_attended",
                user=UserInfo.of(learner),
                session=session_info,
                occurrence=occurrence_info,
                minutes=int(spent),
            )


def save_recording(occurrence: Occurrence, provider: str, found) -> bool:
    exists = db.session.execute(
        db.select(Recording.id).where(Recording.provider == provider, Recording.external_id == found.external_id)
    ).first()
    if exists:
        return False  # known, or removed by the teacher: a redelivery brings nothing back
    db.session.add(
        Recording(
            occurrence_id=occurrence.id,
            provider=provider,
            external_id=found.external_id,
            url=found.url,
            duration_seconds=found.duration_seconds,
            recorded_at=found.recorded_at,
        )
    )
    db.session.flush()
    return True


def repair(now=None) -> dict:
    """Periodic task ``zoom.repair``: retry what an outage left undone, and read the
    reports of meetings that ended."""
    now = now or utcnow()
    limit = int(settings.get("ZOOM_MAX_ATTEMPTS"))
    quiet = now - timedelta(minutes=1)
    todo = db.session.execute(
        db.select(LiveSession.id, LiveSession.state, LiveSession.needs_sync).where(
            db.or_(
                LiveSession.state.in_((PENDING, CANCELLING)),
                db.and_(LiveSession.state == READY, LiveSession.needs_sync.is_(True)),
            ),
            LiveSession.attempts < limit,
            LiveSession.updated_at < quiet,
        )
    ).all()
    for session_id, state, _needs_sync in todo:
        job = {PENDING: create_meeting, CANCELLING: delete_meeting}.get(state, sync_meeting)
        enqueue(job, session_id)
    ended = (
        db.session.execute(
            db.select(Occurrence)
            .join(LiveSession, LiveSession.id == Occurrence.session_id)
            .where(
                LiveSession.state == READY,
                Occurrence.attendance_fetched_at.is_(None),
                Occurrence.cancelled.is_(False),
                Occurrence.starts_at > now - REPORT_WINDOW,
                Occurrence.starts_at < now,
            )
        )
        .scalars()
        .all()
    )
    reports = 0
    for occurrence in ended:
        if occurrence.ends_at + AFTER_MEETING <= now:
            enqueue(after_occurrence, occurrence.id)
            reports += 1
    # Webhooks stored but never handled (Redis was down when they arrived, or their job
    # ran out of retries): handled again, so no attendance or recording is lost.
    from lms_zoom.models import WebhookDelivery
    from lms_zoom.webhooks import process

    unhandled = (
        db.session.execute(
            db.select(WebhookDelivery.id)
            .where(WebhookDelivery.processed_at.is_(None), WebhookDelivery.received_at < now - timedelta(minutes=2))
            .order_by(WebhookDelivery.id)
            .limit(500)
        )
        .scalars()
        .all()
    )
    for delivery_id in unhandled:
        enqueue(process, delivery_id)
    return {"retried": len(todo), "reports": reports, "webhooks": len(unhandled)}
