"""Deadlines: stored in UTC, entered and shown in the viewer's time zone.

A late "day" is 24 hours of elapsed time after the deadline, whatever the clocks of
the student's or the teacher's time zone do (a DST change never makes a day 23 or 25
hours long for the penalty), and a hand-in exactly at the deadline is on time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms_core import db

DAY = timedelta(days=1)


class NonexistentLocalTime(ValueError):
    """The local time falls in a DST gap (clocks jumped over it)."""


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_to_utc(local: datetime, zone_name: str | None) -> datetime:
    """A wall-clock time in ``zone_name`` as an aware UTC datetime.

    A time that does not exist (skipped by a DST change) is refused rather than
    silently moved; a time that exists twice (clocks turned back) means the first one.
    """
    tz = zone(zone_name)
    naive = local.replace(tzinfo=None)
    aware = naive.replace(tzinfo=tz, fold=0)
    if aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(naive.isoformat())
    return aware.astimezone(timezone.utc)


def utc_to_local(value: datetime | None, zone_name: str | None) -> datetime | None:
    """A UTC datetime as a naive wall-clock time in ``zone_name`` (form fields)."""
    if value is None:
        return None
    return value.astimezone(zone(zone_name)).replace(tzinfo=None)


def late_days(submitted_at: datetime, due_at: datetime) -> int:
    """Started 24-hour periods after the deadline: 0 up to and including the deadline
    itself, 1 from one second after it up to 24 hours after, and so on."""
    if submitted_at <= due_at:
        return 0
    return math.ceil((submitted_at - due_at) / DAY)


@dataclass(frozen=True)
class StudentDeadline:
    """The deadline that applies to one student (an extension moves it, and the late
    cut-off moves by as much)."""

    due_at: datetime
    cutoff_at: datetime | None  # None: no late hand-in accepted
    extended: bool

    def accepts(self, when: datetime) -> bool:
        return when <= self.due_at or (self.cutoff_at is not None and when <= self.cutoff_at)

    def late_days(self, when: datetime) -> int:
        return late_days(when, self.due_at)


def extension_for(assignment_id: int, user_id: int):
    from lms_assignments.models import DeadlineExtension

    return db.session.execute(
        db.select(DeadlineExtension).where(
            DeadlineExtension.assignment_id == assignment_id, DeadlineExtension.user_id == user_id
        )
    ).scalar_one_or_none()


def student_deadline(assignment, user_id: int, extension=...) -> StudentDeadline:
    if extension is ...:
        extension = extension_for(assignment.id, user_id)
    due = assignment.due_at
    extended = extension is not None and extension.due_at > due
    if extended:
        due = extension.due_at
    cutoff = None
    if assignment.late_policy == "penalty" and assignment.late_cutoff_at is not None:
        cutoff = assignment.late_cutoff_at + (due - assignment.due_at)
    return StudentDeadline(due, cutoff, extended)


def is_open(assignment, now: datetime) -> bool:
    return assignment.opens_at is None or now >= assignment.opens_at
