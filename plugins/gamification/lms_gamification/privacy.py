"""Who is shown where: a student may hide from every leaderboard, and a teacher may
turn a course's leaderboard off or show each student only the ranks around their own.
Hidden people keep earning points and badges; they are only left off the boards."""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import gettext as _

from lms_core import ServiceError, db
from lms_core.models import utcnow

from lms_gamification import mirror
from lms_gamification.boards import ScoreRow
from lms_gamification.models import CourseSettings, Profile, Score
from lms_gamification.upsert import insert

BOARD_MODES = ("full", "neighbours", "off")


def is_hidden(user_id: int) -> bool:
    return bool(db.session.execute(db.select(Profile.hidden).where(Profile.user_id == user_id)).scalar_one_or_none())


def set_hidden(user_id: int, hidden: bool) -> None:
    """Hide (or show) the person on every board, in SQL and in Redis."""
    hidden = bool(hidden)
    db.session.execute(
        insert(Profile)
        .values(user_id=user_id, hidden=hidden)
        .on_conflict_do_update(index_elements=["user_id"], set_={"hidden": hidden})
    )
    # Lock the rows in board order, the order awards lock them in, so the two never deadlock.
    db.session.execute(
        db.select(Score.board).where(Score.user_id == user_id).order_by(Score.board).with_for_update()
    ).all()
    rows = db.session.execute(
        db.update(Score)
        .where(Score.user_id == user_id, Score.hidden.is_not(hidden))
        .values(hidden=hidden, version=Score.version + 1, updated_at=utcnow())
        .returning(Score.board, Score.points, Score.version)
    ).all()
    db.session.commit()
    mirror.apply([ScoreRow(r.board, user_id, r.points, r.version, hidden) for r in rows])
    _tell_course_pages([r.board for r in rows])


def _tell_course_pages(boards: list[str]) -> None:
    from lms_core.realtime import course_room, push

    for course_id in sorted({int(b[1:].split(":")[0]) for b in boards if b.startswith("c")}):
        push(course_room(course_id), "gamification.leaderboard", {"course_id": course_id})


MODE_MEMO_SECONDS = 5.0  # a teacher's change shows in other processes within this time


def course_mode(course_id: int) -> str:
    """The course's leaderboard mode; each process keeps it ``MODE_MEMO_SECONDS`` (every
    leaderboard request reads it, as the levels)."""
    memo = current_app.extensions.setdefault("lms_gamification_modes", {})
    now = time.monotonic()
    hit = memo.get(course_id)
    if hit is not None and now - hit[0] < MODE_MEMO_SECONDS:
        return hit[1]
    mode = (
        db.session.execute(
            db.select(CourseSettings.leaderboard).where(CourseSettings.course_id == course_id)
        ).scalar_one_or_none()
        or "full"
    )
    memo[course_id] = (now, mode)
    return mode


def set_course_mode(course_id: int, mode: str) -> None:
    if mode not in BOARD_MODES:
        raise ServiceError(
            "invalid",
            _("Please correct the marked fields."),
            400,
            {"leaderboard": _("Choose one of the listed options.")},
        )
    db.session.execute(
        insert(CourseSettings)
        .values(course_id=course_id, leaderboard=mode)
        .on_conflict_do_update(index_elements=["course_id"], set_={"leaderboard": mode})
    )
    db.session.commit()
    current_app.extensions.get("lms_gamification_modes", {}).pop(course_id, None)
