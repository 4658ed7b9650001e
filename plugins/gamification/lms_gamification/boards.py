"""Names of the leaderboards a point award counts on.

``all`` is the platform's all-time board, ``c<course id>`` a course's; a suffix
``:w<Monday>`` (UTC) makes the board of that week. Weekly boards are kept for
``WEEKS_KEPT`` weeks; only the current one is shown.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from lms_core.models import utcnow

PLATFORM = "all"
WEEKS_KEPT = 5
PERIODS = ("all", "week")


def week_start(when: datetime) -> date:
    day = when.date()
    return day - timedelta(days=day.weekday())


def board_key(course_id: int | None, period: str = "all", now: datetime | None = None) -> str:
    base = f"c{course_id}" if course_id else PLATFORM
    if period == "week":
        return f"{base}:w{week_start(now or utcnow()).isoformat()}"
    return base


def is_weekly(board: str) -> bool:
    return ":w" in board


def weekly_cutoff(now: datetime | None = None) -> date:
    """Awards made before this Monday no longer count on any kept weekly board."""
    return week_start(now or utcnow()) - timedelta(weeks=WEEKS_KEPT - 1)


def boards_for_award(course_id: int | None, created_at: datetime, now: datetime | None = None) -> list[str]:
    """The boards an award made at ``created_at`` counts on, always in this order, so
    two transactions touching the same person's rows lock them in the same order."""
    boards = [board_key(None)]
    weekly = week_start(created_at) >= weekly_cutoff(now)
    if weekly:
        boards.append(board_key(None, "week", created_at))
    if course_id:
        boards.append(board_key(course_id))
        if weekly:
            boards.append(board_key(course_id, "week", created_at))
    return boards


class ScoreRow:
    """One person's total on one board, with the version that orders changes to it."""

    __slots__ = ("board", "user_id", "points", "version", "hidden")

    def __init__(self, board: str, user_id: int, points: int, version: int, hidden: bool):
        self.board, self.user_id, self.points, self.version, self.hidden = board, user_id, points, version, hidden

    def __repr__(self) -> str:
        return f"ScoreRow({self.board!r}, {self.user_id}, {self.points}, v{self.version}, hidden={self.hidden})"
