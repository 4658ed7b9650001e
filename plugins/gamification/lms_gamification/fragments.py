"""What the plugin adds to the core's course page and dashboard.

Both are on every page view of a busy site, so the course fragment reads what it shows
in one query and renders its small template without the page's context processors."""

from __future__ import annotations

from functools import cache

from markupsafe import Markup

from lms_core import can, db, read, render_fragment
from lms_core.models import Course, User

from lms_gamification import badges, ledger, levels, mirror
from lms_gamification.boards import board_key
from lms_gamification.leaderboard import RedisStandings
from lms_gamification.models import CourseSettings, Score


def course_fragment(user_info, course_info) -> list[Markup]:
    if user_info is None:
        return []
    return [render_fragment("gamification/_course_fragment.html", **course_summary(user_info, course_info))]


def dashboard_fragment(user_info) -> list[Markup]:
    return [render_fragment("gamification/_dashboard_fragment.html", with_script=True, **dashboard_summary(user_info))]


def course_summary(user_info, course_info) -> dict:
    # Both rows are already in the session's identity map (the core loaded them).
    user, course = db.session.get(User, user_info.id), db.session.get(Course, course_info.id)
    staff = can(user, "course.edit", course)
    follows = can(user, "course.follow", course)
    board = board_key(course.id)
    redis = mirror.connection()
    points, mode, rank = _points_mode_rank(board, user.id, course.id, with_rank=redis is None)
    if not (follows and points and mode != "off"):
        rank = None
    elif redis is not None:
        me = RedisStandings().standing(board, user.id, top_n=0, radius=0).me
        rank = me.rank if me is not None else None
    return {
        "course": course,
        "staff": staff,
        "follows": follows,
        "points": points,
        "mode": mode,
        "level": levels.level_of(points, levels.levels_for(course.id)),
        "rank": rank,
    }


def _points_mode_rank(board: str, user_id: int, course_id: int, with_rank: bool) -> tuple[int, str, int | None]:
    """The viewer's points on ``board``, the course's leaderboard mode and, when asked,
    the viewer's rank, in one round trip."""
    row = read(_summary_statement(with_rank), {"board": board, "user_id": user_id, "course_id": course_id}).one()
    points, mode = row[0] or 0, row[1] or "full"
    return points, mode, (row[2] + 1 if with_rank else None)


@cache
def _summary_statement(with_rank: bool):
    """Built once (only the parameters change from page to page). The rank is the
    leaderboard's (``leaderboard.SqlStandings``): one more than the number of people
    shown on the board with more points; a hidden viewer sees where they would stand."""
    board, user_id = db.bindparam("board"), db.bindparam("user_id")
    mine = db.select(Score.points).where(Score.board == board, Score.user_id == user_id).scalar_subquery()
    mode = (
        db.select(CourseSettings.leaderboard)
        .where(CourseSettings.course_id == db.bindparam("course_id"))
        .scalar_subquery()
    )
    if not with_rank:
        return db.select(mine, mode)
    ahead = (
        db.select(db.func.count())
        .select_from(Score)
        .where(
            Score.board == board,
            Score.hidden.is_(False),
            Score.points > mine,
        )
        .scalar_subquery()
    )
    return db.select(mine, mode, ahead)


def dashboard_summary(user_info) -> dict:
    points = ledger.total_points(user_info.id)
    held = [a for a in badges.awards_of(user_info.id) if badges.is_current(a)]
    return {"points": points, "level": levels.level_of(points, levels.levels_for(None)), "badge_count": len(held)}
