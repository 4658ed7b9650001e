"""What the plugin adds to the core's course page and dashboard."""
from __future__ import annotations

from lms_core.extensions import db
from lms_core.models import Course, User
from lms_core.permissions import can

from lms_gamification import badges, leaderboard, ledger, levels, privacy
from lms_gamification.boards import board_key


def course_summary(user_info, course_info) -> dict:
    user, course = db.session.get(User, user_info.id), db.session.get(Course, course_info.id)
    staff = can(user, "course.edit", course)
    follows = can(user, "course.follow", course)
    points = ledger.total_points(user.id, board_key(course.id))
    mode = privacy.course_mode(course.id)
    standing = None
    if follows and points and mode != "off":
        standing = leaderboard.standings_backend().standing(board_key(course.id), user.id, top_n=0, radius=0).me
    return {
        "course": course, "staff": staff, "follows": follows, "points": points, "mode": mode,
        "level": levels.level_of(points, levels.levels_for(course.id)), "standing": standing,
    }


def dashboard_summary(user_info) -> dict:
    points = ledger.total_points(user_info.id)
    held = [a for a in badges.awards_of(user_info.id) if badges.is_current(a)]
    return {"points": points, "level": levels.level_of(points, levels.levels_for(None)), "badge_count": len(held)}
