"""Attendance, always keyed on the LMS account: who joined an occurrence, when they
left, and for how many minutes (overlapping intervals merged, so two open tabs do not
count twice). Teachers may correct a learner's minutes with a reason; corrections are
kept as a history and the newest one counts.

Also the plugin's part of course completion and the function the gradebook calls.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core import Requirement, ServiceError, db, read
from lms_core.models import User, utcnow

from lms_zoom.models import READY, AttendanceCorrection, AttendanceInterval, CourseRule, LiveSession, Occurrence
from lms_core import gradebook_changed, path_for
from lms_core.services.progress import courses_in_view, learners_in_view, view_memo

HEARTBEAT_GAP = timedelta(minutes=3)  # a join page that stopped beating for longer has left


# --------------------------------------------------------------------------- recording


def record(occurrence_id: int, user_id: int, source_key: str, joined_at: datetime, left_at: datetime | None) -> bool:
    """Add an interval once per ``source_key``; a known key only gains its end. Returns
    whether anything changed (a redelivered report changes nothing)."""
    row = db.session.execute(
        db.select(AttendanceInterval).where(
            AttendanceInterval.occurrence_id == occurrence_id, AttendanceInterval.source_key == source_key
        )
    ).scalar_one_or_none()
    if row is not None:
        if left_at is not None and row.left_at != left_at and (row.left_at is None or left_at > row.left_at):
            row.left_at = left_at
            points_changed(occurrence_id, [user_id])
            return True
        return False
    with db.session.begin_nested():
        db.session.add(
            AttendanceInterval(
                occurrence_id=occurrence_id,
                user_id=user_id,
                source_key=source_key,
                joined_at=joined_at,
                left_at=left_at,
            )
        )
        try:
            db.session.flush()
        except IntegrityError:  # the same report, handled at the same moment elsewhere
            raise _Duplicate() from None
    points_changed(occurrence_id, [user_id])
    return True


def settles_at(occurrence: Occurrence) -> datetime:
    """Until then the occurrence's attendance changes with time alone (open intervals
    run on to now, up to ``occurrence_rows``' cap): the gradebook item's ``settles_at``."""
    return occurrence.ended_at or occurrence.ends_at + timedelta(hours=2)


def points_changed(occurrence_id: int, user_ids) -> None:
    """Learners' attendance of an occurrence changed: the gradebook's summary follows
    (in the caller's transaction). Not while the occurrence is still unsettled (every
    heartbeat): its item's ``settles_at`` already makes the summaries follow it live."""
    occurrence = db.session.get(Occurrence, occurrence_id)
    if occurrence is None or settles_at(occurrence) > utcnow():
        return
    gradebook_changed(occurrence.session.course_id, user_ids)


class _Duplicate(Exception):
    pass


def record_once(*args) -> bool:
    try:
        return record(*args)
    except _Duplicate:
        return False


def close_open(occurrence_id: int, user_id: int, left_at: datetime, source_prefix: str) -> bool:
    """A "left" event: end the user's latest open interval from this source."""
    row = (
        db.session.execute(
            db.select(AttendanceInterval)
            .where(
                AttendanceInterval.occurrence_id == occurrence_id,
                AttendanceInterval.user_id == user_id,
                AttendanceInterval.left_at.is_(None),
                AttendanceInterval.source_key.startswith(source_prefix),
                AttendanceInterval.joined_at <= left_at,
            )
            .order_by(AttendanceInterval.joined_at.desc())
        )
        .scalars()
        .first()
    )
    if row is None:
        return False
    row.left_at = left_at
    points_changed(occurrence_id, [user_id])
    return True


def close_all(occurrence: Occurrence, ended_at: datetime) -> int:
    """The meeting ended: whoever was still in it left then."""
    rows = (
        db.session.execute(
            db.select(AttendanceInterval).where(
                AttendanceInterval.occurrence_id == occurrence.id, AttendanceInterval.left_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        row.left_at = max(ended_at, row.joined_at)
    if rows:
        points_changed(occurrence.id, [row.user_id for row in rows])
    return len(rows)


def heartbeat(occurrence: Occurrence, user_id: int, visit: str, now: datetime | None = None) -> None:
    """The LMS join page (Jitsi) says the learner is still in the room: the visit's
    interval runs on to now; a beat after a long gap starts a new interval."""
    now = now or utcnow()
    key = f"page:{visit}"
    row = (
        db.session.execute(
            db.select(AttendanceInterval)
            .where(
                AttendanceInterval.occurrence_id == occurrence.id,
                AttendanceInterval.user_id == user_id,
                AttendanceInterval.source_key.startswith(key),
            )
            .order_by(AttendanceInterval.joined_at.desc())
        )
        .scalars()
        .first()
    )
    if row is not None and row.left_at is not None and now - row.left_at <= HEARTBEAT_GAP:
        row.left_at = max(row.left_at, now)
        points_changed(occurrence.id, [user_id])
    else:
        record_once(occurrence.id, user_id, f"{key}:{int(now.timestamp())}", now, now)
    db.session.commit()


# --------------------------------------------------------------------------- reading


def merged_minutes(intervals: list[tuple[datetime, datetime]]) -> int:
    total, current = timedelta(), None
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if current is None or start > current[1]:
            if current:
                total += current[1] - current[0]
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    if current:
        total += current[1] - current[0]
    return int(total.total_seconds() // 60)


@dataclass
class Row:
    user: User
    joins: int = 0
    first_join: datetime | None = None
    last_leave: datetime | None = None
    measured: int = 0
    corrections: list = field(default_factory=list)

    @property
    def correction(self):
        return self.corrections[0] if self.corrections else None

    @property
    def minutes(self) -> int:
        return self.correction.minutes if self.correction else self.measured


def occurrence_rows(occurrence: Occurrence, users: list[User], now: datetime | None = None) -> list[Row]:
    now = now or utcnow()
    rows = {u.id: Row(user=u) for u in users}
    cap = min(now, occurrence.ended_at or occurrence.ends_at + timedelta(hours=2))
    spans: dict[int, list] = {}
    for interval in db.session.execute(
        db.select(AttendanceInterval).where(AttendanceInterval.occurrence_id == occurrence.id)
    ).scalars():
        row = rows.get(interval.user_id)
        if row is None:
            continue
        end = interval.left_at or max(cap, interval.joined_at)
        row.joins += 1
        row.first_join = min(filter(None, [row.first_join, interval.joined_at]))
        if interval.left_at is not None:
            row.last_leave = max(filter(None, [row.last_leave, interval.left_at]))
        spans.setdefault(interval.user_id, []).append((interval.joined_at, end))
    for user_id, intervals in spans.items():
        rows[user_id].measured = merged_minutes(intervals)
    for correction in db.session.execute(
        db.select(AttendanceCorrection)
        .where(AttendanceCorrection.occurrence_id == occurrence.id)
        .order_by(AttendanceCorrection.created_at.desc(), AttendanceCorrection.id.desc())
    ).scalars():
        if correction.user_id in rows:
            rows[correction.user_id].corrections.append(correction)
    return list(rows.values())


def minutes_of(occurrence_ids: list[int], user_id: int, now: datetime | None = None) -> dict[int, int]:
    """A learner's minutes per occurrence (corrections applied), in three queries
    whatever the number of occurrences: the course page asks for this on every view."""
    return minutes_of_many(occurrence_ids, [user_id], now)[user_id]


def minutes_of_many(
    occurrence_ids: list[int], user_ids: list[int], now: datetime | None = None
) -> dict[int, dict[int, int]]:
    """``minutes_of`` for many learners at once (a teacher's page of learners), in the
    same three queries: user id -> occurrence id -> minutes."""
    if not occurrence_ids or not user_ids:
        return {user_id: {} for user_id in user_ids}
    now = now or utcnow()
    occurrences = {
        o.id: o for o in db.session.execute(db.select(Occurrence).where(Occurrence.id.in_(occurrence_ids))).scalars()
    }
    spans: dict[tuple[int, int], list] = {}
    for interval in db.session.execute(
        db.select(AttendanceInterval).where(
            AttendanceInterval.occurrence_id.in_(occurrence_ids), AttendanceInterval.user_id.in_(user_ids)
        )
    ).scalars():
        occurrence = occurrences[interval.occurrence_id]
        cap = min(now, occurrence.ended_at or occurrence.ends_at + timedelta(hours=2))
        spans.setdefault((interval.user_id, interval.occurrence_id), []).append(
            (interval.joined_at, interval.left_at or max(cap, interval.joined_at))
        )
    result = {
        user_id: {
            occurrence_id: merged_minutes(spans.get((user_id, occurrence_id), [])) for occurrence_id in occurrences
        }
        for user_id in user_ids
    }
    corrected = set()
    for correction in db.session.execute(
        db.select(AttendanceCorrection)
        .where(AttendanceCorrection.occurrence_id.in_(occurrence_ids), AttendanceCorrection.user_id.in_(user_ids))
        .order_by(AttendanceCorrection.created_at.desc(), AttendanceCorrection.id.desc())
    ).scalars():
        key = (correction.user_id, correction.occurrence_id)
        if key not in corrected:  # the newest one counts
            result[correction.user_id][correction.occurrence_id] = correction.minutes
            corrected.add(key)
    return result


def percent(minutes: int, occurrence: Occurrence) -> int:
    return min(100, round(100 * minutes / occurrence.duration_minutes)) if occurrence.duration_minutes else 0


def correct(
    teacher: User, occurrence: Occurrence, user_id: int, minutes_text: str, reason: str
) -> AttendanceCorrection:
    from lms_zoom import sessions

    errors = {}
    try:
        minutes = int(minutes_text)
        if not 0 <= minutes <= occurrence.duration_minutes + 240:
            raise ValueError
    except (TypeError, ValueError):
        errors["minutes"] = _(
            "Enter the minutes attended, between 0 and %(max)d.", max=occurrence.duration_minutes + 240
        )
        minutes = None
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the attendance is corrected.")
    if not sessions.learners(occurrence.session.course_id, [user_id]):
        errors["user"] = _("This person is not a learner of the course.")
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    row = AttendanceCorrection(
        occurrence_id=occurrence.id, user_id=user_id, minutes=minutes, reason=reason[:2000], corrected_by=teacher.id
    )
    db.session.add(row)
    gradebook_changed(occurrence.session.course_id, [user_id])
    db.session.commit()
    recheck_completion(occurrence.session.course_id, [user_id])
    return row


def csv_export(occurrence: Occurrence, rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Name"),
            _("E-mail"),
            _("Joins"),
            _("First join (UTC)"),
            _("Last leave (UTC)"),
            _("Minutes measured"),
            _("Minutes"),
            _("Percent"),
            _("Correction reason"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                _cell(row.user.name),
                _cell(row.user.email),
                row.joins,
                row.first_join.isoformat() if row.first_join else "",
                row.last_leave.isoformat() if row.last_leave else "",
                row.measured,
                row.minutes,
                percent(row.minutes, occurrence),
                _cell(row.correction.reason) if row.correction else "",
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """A name a spreadsheet would run as a formula (=, +, -, @) is written as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# --------------------------------------------------------------------------- completion and gradebook


def _counted_sessions(course_id: int) -> list[LiveSession]:
    from sqlalchemy.orm import selectinload

    return list(
        db.session.execute(
            db.select(LiveSession)
            .where(LiveSession.course_id == course_id, LiveSession.state == READY)
            .options(selectinload(LiveSession.occurrences))
        ).scalars()
    )


def _course_rules(course_id: int, user_id: int) -> tuple[list[LiveSession], CourseRule | _Rule | None]:
    """The course's counted sessions and its rule: read once while a page works out many
    learners' progress (a teacher's list of learners asks per learner), for every
    course in view at once (a learner's dashboard asks per course)."""
    if course_id not in courses_in_view(user_id):
        # One course (its page): its rule and whether it has any session in one
        # statement, then the sessions (shared with the page's fragment) if it has.
        from lms_zoom.sessions import of_course_for_page

        probe = read(_RULE_AND_ANY_SESSION, {"course_id": course_id}).one()
        rule = _Rule(course_id, probe.sessions, probe.percent) if probe.sessions is not None else None
        ready = [s for s in of_course_for_page(course_id, known_empty=not probe.has_sessions) if s.state == READY]
        return ready, rule
    memo = view_memo("zoom.course_rules")
    if course_id not in memo:
        from sqlalchemy.orm import selectinload

        in_view = courses_in_view(user_id)
        wanted = [c for c in in_view if c not in memo] if course_id in in_view else [course_id]
        found: dict[int, tuple[list, CourseRule | None]] = {c: ([], None) for c in wanted}
        for session in db.session.execute(
            db.select(LiveSession)
            .where(LiveSession.course_id.in_(wanted), LiveSession.state == READY)
            .options(selectinload(LiveSession.occurrences))
        ).scalars():
            found[session.course_id][0].append(session)
        for rule in db.session.execute(db.select(CourseRule).where(CourseRule.course_id.in_(wanted))).scalars():
            found[rule.course_id] = (found[rule.course_id][0], rule)
        memo.update(found)
    return memo[course_id]


class _Rule(NamedTuple):
    """A course's rule as read for its page (what ``requirements`` reads of a ``CourseRule``)."""

    course_id: int
    sessions: int
    percent: int


def _rule_and_any_session():
    course_id = db.bindparam("course_id")

    def of_rule(column):
        return db.select(column).where(CourseRule.course_id == course_id).scalar_subquery()

    return db.select(
        db.exists().where(LiveSession.course_id == course_id).label("has_sessions"),
        of_rule(CourseRule.sessions).label("sessions"),
        of_rule(CourseRule.percent).label("percent"),
    )


# Built once: every course page asks it (a course without live lectures: one statement).
_RULE_AND_ANY_SESSION = _rule_and_any_session()


def _minutes_in_view(occurrence_ids: list[int], user_id: int, course_id: int) -> dict[int, int]:
    """One learner's minutes, or, when the core works out many learners' progress at
    once, every one of theirs in one go (answered from the view's memo)."""
    in_view = learners_in_view(course_id)
    if user_id not in in_view or len(in_view) < 2:
        return minutes_of(occurrence_ids, user_id)
    memo = view_memo("zoom.minutes")
    if (course_id, user_id) not in memo:
        for other, minutes in minutes_of_many(occurrence_ids, in_view).items():
            memo[(course_id, other)] = minutes
    return memo[(course_id, user_id)]


def requirements(user, course) -> list[Requirement]:
    """``lms_completion_requirements``: every session that counts towards completion
    (attend at least X% of it, of any of its occurrences for a series), and the
    course's rule "attend N sessions" when the teacher set one."""
    sessions_, rule = _course_rules(course.id, user.id)
    counted = [s for s in sessions_ if s.completion_percent]
    if not counted and rule is None:
        return []
    occurrence_ids = [o.id for s in sessions_ for o in s.occurrences if not o.cancelled]
    minutes = _minutes_in_view(occurrence_ids, user.id, course.id)
    result = []
    for session in counted:
        met = any(percent(minutes.get(o.id, 0), o) >= session.completion_percent for o in session.occurrences)
        result.append(
            Requirement(
                label=_(
                    "Attend at least %(percent)d%% of the live lecture “%(title)s”",
                    percent=session.completion_percent,
                    title=session.title,
                ),
                met=met,
                url=path_for("zoom.session", session_id=session.id),
            )
        )
    if rule is not None:
        attended = sum(
            1
            for s in sessions_
            for o in s.occurrences
            if not o.cancelled and percent(minutes.get(o.id, 0), o) >= rule.percent
        )
        result.append(
            Requirement(
                label=_(
                    "Attend at least %(num)d live lectures (%(percent)d%% of each)",
                    num=rule.sessions,
                    percent=rule.percent,
                )
                + f" — {attended}/{rule.sessions}",
                met=attended >= rule.sessions,
                url=path_for("zoom.course_sessions", course_id=course.id),
            )
        )
    return result


def set_rule(course_id: int, sessions_text: str, percent_text: str) -> CourseRule | None:
    sessions_text, percent_text = (sessions_text or "").strip(), (percent_text or "70").strip()
    rule = db.session.get(CourseRule, course_id)
    if not sessions_text or sessions_text == "0":
        if rule is not None:
            db.session.delete(rule)
            db.session.commit()
        return None
    try:
        count, share = int(sessions_text), int(percent_text)
        if not (1 <= count <= 500 and 1 <= share <= 100):
            raise ValueError
    except ValueError:
        raise ServiceError(
            "invalid",
            _("Enter a number of lectures and a percentage between 1 and 100."),
            400,
            {"sessions": _("Enter a number of lectures and a percentage between 1 and 100.")},
        ) from None
    if rule is None:
        rule = CourseRule(course_id=course_id, sessions=count, percent=share)
        db.session.add(rule)
    else:
        rule.sessions, rule.percent = count, share
    db.session.commit()
    return rule


def recheck_completion(course_id: int, user_ids) -> None:
    from lms_core.services.progress import check_completion

    for user_id in set(user_ids):
        check_completion(user_id, course_id)


def gradebook_items(course_id: int, user_ids: list[int] | None = None) -> list[dict]:
    """For the gradebook (issue 11): one item per occurrence of the sessions a teacher
    put in the gradebook, with each learner's attendance as a percentage (0-100) of the
    occurrence, corrections applied. Past occurrences only.

    ``[{"key": "zoom:occurrence:<id>", "title": ..., "date": datetime, "max_points": 100,
    "scores": {user_id: percent}, "settles_at": datetime}]``; ``user_ids``: only these
    learners (a gradebook page).
    """
    from lms_zoom import sessions

    now = utcnow()
    graded = [
        (session, occurrence)
        for session in _counted_sessions(course_id)
        if session.in_gradebook
        for occurrence in session.occurrences
        if not occurrence.cancelled and occurrence.starts_at <= now
    ]
    if not graded:
        return []
    # Only the learners asked for: a page of the gradebook, or none (its items alone).
    users = sessions.learners(course_id, user_ids)
    items = []
    for session, occurrence in graded:
        rows = occurrence_rows(occurrence, users, now)
        settles = settles_at(occurrence)
        title = session.title if len(session.occurrences) == 1 else f"{session.title} #{occurrence.number}"
        items.append(
            {
                "key": f"zoom:occurrence:{occurrence.id}",
                "title": title,
                "date": occurrence.starts_at,
                "max_points": 100,
                "scores": {r.user.id: percent(r.minutes, occurrence) for r in rows},
                # open intervals run on to now until then; the duration and the
                # meeting's end change it, so the gradebook sees those too
                "settles_at": settles,
            }
        )
    return items
