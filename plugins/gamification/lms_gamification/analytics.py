"""What this plugin gives the analytics plugin (through its optional hooks): a points
panel on the course overview, and who asked to be hidden."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal_column, select

from lms_core import db
from lms_core.models import utcnow

from lms_gamification.models import PointAward, Profile

PANEL_DAYS = 30


def points_panels(course) -> list:
    from lms_analytics.panels import Panel  # only called when the analytics plugin is there

    since = utcnow() - timedelta(days=PANEL_DAYS - 1)
    day = func.date(PointAward.created_at)
    if db.session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone(literal_column("'UTC'"), PointAward.created_at))
    rows = db.session.execute(
        select(day, func.sum(PointAward.points), func.count(func.distinct(PointAward.user_id)))
        .where(PointAward.course_id == course.id, PointAward.created_at >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    by_rule = db.session.execute(
        select(PointAward.rule, func.sum(PointAward.points))
        .where(PointAward.course_id == course.id)
        .group_by(PointAward.rule)
        .order_by(PointAward.rule)
    ).all()
    return [
        Panel(
            "points_per_day",
            _l("Points per day"),
            "bar",
            [_l("Day"), _l("Points"), _l("Learners who earned points")],
            [[str(d), int(p or 0), n] for d, p, n in rows],
            note=_l("Points awarded in this course in the last %(n)s days.", n=PANEL_DAYS),
        ),
        Panel(
            "points_by_rule",
            _l("Points by kind of achievement"),
            "bar",
            [_l("Rule"), _l("Points")],
            [[rule, int(p or 0)] for rule, p in by_rule],
        ),
    ]


def hidden_learners(user_ids) -> list[int]:
    """Those who chose to be hidden from the leaderboards are not named elsewhere either."""
    return list(
        db.session.execute(
            select(Profile.user_id).where(Profile.user_id.in_(list(user_ids)), Profile.hidden.is_(True))
        ).scalars()
    )
