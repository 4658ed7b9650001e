"""Facts about a person's activity that badge criteria need: active days (for streaks)
and how early assignments were handed in."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from lms_core import db

from lms_gamification.models import ActiveDay, SubmissionFact
from lms_gamification.upsert import insert


def local_day(when: datetime, timezone_name: str | None):
    """The calendar day of ``when`` where the person lives (their account's time zone)."""
    try:
        zone = ZoneInfo(timezone_name or current_app.config["LMS_DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(zone).date()


def mark_active(user_id: int, course_id: int, when: datetime, timezone_name: str | None) -> None:
    db.session.execute(
        insert(ActiveDay)
        .values(user_id=user_id, course_id=course_id, day=local_day(when, timezone_name))
        .on_conflict_do_nothing(index_elements=["user_id", "course_id", "day"])
    )
    db.session.commit()


def record_submission(
    user_id: int,
    course_id: int | None,
    assignment_id: int,
    submission_id: int,
    submitted_at: datetime,
    deadline: datetime | None,
) -> None:
    """Keep when a hand-in came and how many hours before its deadline (a replacement
    attempt is a new submission with its own row)."""
    hours_early = (deadline - submitted_at).total_seconds() / 3600 if deadline else None
    db.session.execute(
        insert(SubmissionFact)
        .values(
            submission_id=submission_id,
            user_id=user_id,
            course_id=course_id,
            assignment_id=assignment_id,
            submitted_at=submitted_at,
            deadline=deadline,
            hours_early=hours_early,
        )
        .on_conflict_do_nothing(index_elements=["submission_id"])
    )
    db.session.commit()
