"""Scheduling live sessions: what teachers do (schedule, edit, reschedule, cancel,
retry) and what pages read (a course's sessions, a user's upcoming ones).

The meeting at the provider is made in a job (``jobs.create_meeting``); until it
exists the session is ``pending``: shown to the teacher as "not created yet" with the
provider's error and a retry button, and shown to nobody else. Times are stored in
UTC; the teacher's wall-clock time in the session's time zone decides the occurrences,
so a weekly lecture stays at 10:00 across a daylight-saving change.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _

from lms_core import ServiceError, db, enqueue
from lms_core.models import Course, Enrollment, User, utcnow

from lms_zoom import providers, settings
from lms_zoom.models import CANCELLED, CANCELLING, PENDING, READY, LiveSession, Occurrence

MAX_OCCURRENCES = 50  # Zoom's own limit for a recurring meeting
MAX_DURATION = 12 * 60
_PASSCODE = re.compile(r"^[A-Za-z0-9@_*-]{1,10}$")


# --------------------------------------------------------------------------- occurrences


def occurrence_times(first: datetime, tz: str, recurrence: dict | None) -> list[datetime]:
    """The UTC start of every occurrence. ``first`` is the first start (aware)."""
    if not recurrence:
        return [first.astimezone(ZoneInfo("UTC"))]
    zone = ZoneInfo(tz)
    local = first.astimezone(zone)
    weekdays = set(recurrence["weekdays"])
    until = date.fromisoformat(recurrence["until"]) if recurrence.get("until") else None
    count = int(recurrence.get("count") or MAX_OCCURRENCES)
    times, day = [], local.date()
    while len(times) < min(count, MAX_OCCURRENCES) and (until is None or day <= until):
        if day.weekday() in weekdays:
            times.append(datetime.combine(day, local.time(), zone).astimezone(ZoneInfo("UTC")))
        day += timedelta(days=1)
        if (day - local.date()).days > 3 * 366:
            break
    return times


def _field_error(field: str, message: str):
    raise ServiceError("invalid", _("Please correct the marked fields."), 400, {field: message})


def parse(form, course: Course, session: LiveSession | None = None) -> dict:
    """Checked values from the scheduling form (a mapping with ``getlist``). Every
    problem is reported at once, field by field, in the teacher's language."""
    errors: dict[str, str] = {}
    values: dict = {}
    title = (form.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the session a title.")
    elif len(title) > 200:
        errors["title"] = _("The title is too long (200 characters at most).")
    values["title"] = title
    values["description"] = (form.get("description") or "").strip()[:5000]

    tz = (form.get("timezone") or "").strip()
    try:
        if not tz or tz not in available_timezones():
            raise ZoneInfoNotFoundError(tz)
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = _("Choose a time zone from the list.")
        zone = None
    values["timezone"] = tz

    first = None
    try:
        day = date.fromisoformat((form.get("start_date") or "").strip())
        at = time.fromisoformat((form.get("start_time") or "").strip())
        if zone is not None:
            first = datetime.combine(day, at.replace(second=0, microsecond=0), zone)
    except ValueError:
        errors["start_date"] = _("Enter the date and time of the start.")
    if (
        first is not None
        and (session is None or first != session.starts_at)
        and first < utcnow() - timedelta(minutes=5)
    ):
        errors["start_date"] = _("The start is in the past.")
    values["starts_at"] = first

    try:
        duration = int(form.get("duration") or "")
        if not 5 <= duration <= MAX_DURATION:
            raise ValueError
    except ValueError:
        errors["duration"] = _("The length is a number of minutes between 5 and 720.")
        duration = None
    values["duration_minutes"] = duration

    recurrence = None
    if form.get("repeat") == "weekly":
        try:
            weekdays = sorted({int(d) for d in form.getlist("weekdays")})
        except ValueError:
            weekdays = []
        if not weekdays or not all(0 <= d <= 6 for d in weekdays):
            errors["weekdays"] = _("Choose the days of the week it repeats on.")
        recurrence = {"weekdays": weekdays}
        if form.get("ends") == "count":
            try:
                count = int(form.get("count") or "")
                if not 1 <= count <= MAX_OCCURRENCES:
                    raise ValueError
                recurrence["count"] = count
            except ValueError:
                errors["count"] = _("The number of sessions is between 1 and %(max)d.", max=MAX_OCCURRENCES)
        else:
            try:
                until = date.fromisoformat((form.get("until") or "").strip())
                if first is not None and until < first.date():
                    errors["until"] = _("The last day is before the first session.")
                recurrence["until"] = until.isoformat()
            except ValueError:
                errors["until"] = _("Enter the last day of the series.")
    values["recurrence"] = recurrence

    provider = form.get("provider") or (session.provider if session else providers.default())
    if session is not None and provider != session.provider:
        errors["provider"] = _(
            "The provider of a scheduled session cannot be changed; cancel it and schedule a new one."
        )
    elif provider not in providers.enabled():
        errors["provider"] = _("This video service is not available on this site.")
    values["provider"] = provider
    implementation = providers.get(provider) if provider in providers.NAMES else None
    values["waiting_room"] = bool(form.get("waiting_room")) and bool(implementation and implementation.has_waiting_room)
    passcode = (form.get("passcode") or "").strip()
    if passcode and implementation is not None and not implementation.has_passcode:
        errors["passcode"] = _("This video service has no passcodes.")
    elif passcode and not _PASSCODE.match(passcode):
        errors["passcode"] = _("A passcode has 1 to 10 letters, digits or @ - _ *.")
    values["passcode"] = passcode or None

    percent = (form.get("completion_percent") or "").strip()
    values["completion_percent"] = None
    if form.get("counts_for_completion"):
        try:
            values["completion_percent"] = int(percent or "70")
            if not 1 <= values["completion_percent"] <= 100:
                raise ValueError
        except ValueError:
            errors["completion_percent"] = _("The share to attend is a percentage between 1 and 100.")
    values["in_gradebook"] = bool(form.get("in_gradebook"))

    if not errors and first is not None:
        times = occurrence_times(first, tz, recurrence)
        if not times:
            errors["weekdays"] = _("No session falls on the chosen days before the last day.")
        values["times"] = times
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    return values


# --------------------------------------------------------------------------- teachers' actions


def schedule(teacher: User, course: Course, values: dict) -> LiveSession:
    session = LiveSession(course_id=course.id, created_by=teacher.id, state=PENDING, meeting={})
    _apply(session, values)
    for number, starts_at in enumerate(values["times"], start=1):
        session.occurrences.append(
            Occurrence(number=number, starts_at=starts_at, duration_minutes=values["duration_minutes"])
        )
    db.session.add(session)
    db.session.commit()
    from lms_zoom import jobs

    enqueue(jobs.create_meeting, session.id)
    return session


def _apply(session: LiveSession, values: dict) -> None:
    for name in (
        "title",
        "description",
        "starts_at",
        "duration_minutes",
        "timezone",
        "recurrence",
        "provider",
        "waiting_room",
        "passcode",
        "completion_percent",
        "in_gradebook",
    ):
        setattr(session, name, values[name])


def edit(teacher: User, session: LiveSession, values: dict) -> LiveSession:
    """Save the changes; future occurrences move, past ones (and their attendance) stay."""
    if session.state in (CANCELLING, CANCELLED):
        raise ServiceError("cancelled", _("This session was cancelled."), 409)
    now = utcnow()
    before = [(o.starts_at, o.duration_minutes) for o in session.occurrences if o.starts_at > now]
    _apply(session, values)
    future_times = [t for t in values["times"] if t > now]
    future = [o for o in session.occurrences if o.starts_at > now]
    for occurrence, starts_at in zip(future, future_times):
        occurrence.starts_at, occurrence.duration_minutes = starts_at, values["duration_minutes"]
    for occurrence in future[len(future_times) :]:
        session.occurrences.remove(occurrence)
    number = max((o.number for o in session.occurrences), default=0)
    for starts_at in future_times[len(future) :]:
        number += 1
        session.occurrences.append(
            Occurrence(number=number, starts_at=starts_at, duration_minutes=values["duration_minutes"])
        )
    session.occurrences.sort(key=lambda o: o.starts_at)
    after = [(o.starts_at, o.duration_minutes) for o in session.occurrences if o.starts_at > now]
    moved = before != after
    if session.state == READY:
        session.needs_sync = True
    db.session.commit()
    from lms_zoom import jobs

    if session.state == READY:
        enqueue(jobs.sync_meeting, session.id)
        if moved:
            enqueue(jobs.tell_learners, session.id, "moved", f"moved:{int(now.timestamp())}")
    elif session.state == PENDING:
        enqueue(jobs.create_meeting, session.id)
    return session


def cancel(teacher: User, session: LiveSession) -> LiveSession:
    if session.state in (CANCELLING, CANCELLED):
        return session
    was_visible = session.state == READY
    session.state = CANCELLING
    session.last_error = None
    db.session.commit()
    from lms_zoom import jobs

    enqueue(jobs.delete_meeting, session.id)
    if was_visible:
        enqueue(jobs.tell_learners, session.id, "cancelled", "cancelled")
    return session


def retry(session: LiveSession) -> None:
    """The teacher's retry button: try the provider again now."""
    from lms_zoom import jobs

    session.attempts = 0
    db.session.commit()
    if session.state == PENDING:
        enqueue(jobs.create_meeting, session.id)
    elif session.state == CANCELLING:
        enqueue(jobs.delete_meeting, session.id)
    elif session.needs_sync:
        enqueue(jobs.sync_meeting, session.id)


# --------------------------------------------------------------------------- reading


def course_sessions(course_id: int, staff: bool) -> list[LiveSession]:
    query = db.select(LiveSession).where(LiveSession.course_id == course_id)
    if not staff:
        query = query.where(LiveSession.state == READY)
    else:
        query = query.where(LiveSession.state != CANCELLED)
    from sqlalchemy.orm import selectinload

    return list(
        db.session.execute(
            query.options(selectinload(LiveSession.occurrences)).order_by(LiveSession.starts_at, LiveSession.id)
        ).scalars()
    )


def _course_sessions_statement():
    from sqlalchemy.orm import selectinload

    return (
        db.select(LiveSession)
        .where(LiveSession.course_id == db.bindparam("course_id"))
        .options(selectinload(LiveSession.occurrences))
        .order_by(LiveSession.starts_at, LiveSession.id)
    )


_COURSE_SESSIONS = _course_sessions_statement()  # built once: every course page runs it


def of_course_for_page(course_id: int, known_empty: bool = False) -> list[LiveSession]:
    """Every session of one course (whatever its state) with its occurrences, read once
    per database transaction and shared by what the course page asks of this plugin
    (the completion requirements, the upcoming sessions, whether to look for
    recordings): one statement when the course has no session, two when it has. A
    commit starts a new transaction, so a change committed in between is read afresh.
    ``known_empty``: the caller has just read, in this transaction, that the course has
    no session (nothing to read then)."""
    from flask import g, has_app_context

    session = db.session()
    memo = g.setdefault("lms_zoom_course_sessions", {}) if has_app_context() else {}
    hit = memo.get(course_id)
    transaction = session.get_transaction()
    if hit is not None and transaction is not None and hit[0] is transaction:
        return hit[1]
    found = [] if known_empty else list(session.execute(_COURSE_SESSIONS, {"course_id": course_id}).scalars())
    memo[course_id] = (session.get_transaction(), found)
    return found


def upcoming_of(live_sessions: list[LiveSession], limit: int, now: datetime | None = None) -> list[Occurrence]:
    """``upcoming`` answered from sessions already read (``of_course_for_page``)."""
    now = now or utcnow()
    since = now - timedelta(minutes=MAX_DURATION)
    found = [
        o
        for s in live_sessions
        if s.state == READY
        for o in s.occurrences
        if not o.cancelled and o.starts_at > since and o.ends_at > now
    ]
    found.sort(key=lambda o: (o.starts_at, o.id))
    return found[:limit]


def upcoming(
    course_ids: list[int] | None, *, user_id: int | None = None, limit: int = 10, now: datetime | None = None
) -> list[Occurrence]:
    """Occurrences not over yet of ready sessions, on these courses or the courses
    ``user_id`` is enrolled in (or teaches)."""
    now = now or utcnow()
    query = (
        db.select(Occurrence)
        .join(LiveSession, LiveSession.id == Occurrence.session_id)
        .where(
            LiveSession.state == READY,
            Occurrence.cancelled.is_(False),
            Occurrence.starts_at > now - timedelta(minutes=MAX_DURATION),
        )
    )
    if course_ids is not None:
        query = query.where(LiveSession.course_id.in_(course_ids))
    if user_id is not None:
        query = query.where(LiveSession.course_id.in_(user_course_ids(user_id)))
    from sqlalchemy.orm import contains_eager

    query = query.options(contains_eager(Occurrence.session))  # one query, not one per occurrence
    rows = db.session.execute(query.order_by(Occurrence.starts_at).limit(limit * 3)).scalars().all()
    return [o for o in rows if o.ends_at > now][:limit]


def user_course_ids(user_id: int):
    from lms_core.models import CourseStaff

    enrolled = db.select(Enrollment.course_id).where(
        Enrollment.user_id == user_id, Enrollment.status.in_(("active", "completed"))
    )
    teaching = db.select(CourseStaff.course_id).where(CourseStaff.user_id == user_id)
    return enrolled.union(teaching)


def learners(course_id: int, user_ids=None) -> list[User]:
    """The course's learners by name; ``user_ids``: only those of them."""
    if user_ids is not None and not user_ids:
        return []
    query = (
        db.select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course_id, Enrollment.status.in_(("active", "completed")), User.active.is_(True))
        .order_by(User.name, User.id)
    )
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    return list(db.session.execute(query).scalars())


def join_opens(occurrence: Occurrence) -> datetime:
    return occurrence.starts_at - timedelta(minutes=float(settings.get("ZOOM_JOIN_OPENS_MINUTES")))


def can_join_now(occurrence: Occurrence, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        occurrence.session.state == READY
        and not occurrence.cancelled
        and join_opens(occurrence) <= now < occurrence.ends_at
    )


def next_occurrence(session: LiveSession, now: datetime | None = None) -> Occurrence | None:
    now = now or utcnow()
    return next((o for o in session.occurrences if not o.cancelled and o.ends_at > now), None)
