"""Time on lessons, from heartbeats the lesson page sends while the tab is visible and
the learner active. The server trusts the client only within bounds: a heartbeat counts
at most the time since the previous one, capped by ``LMS_HEARTBEAT_MAX_SECONDS``."""

from __future__ import annotations

from flask import current_app

from lms_core.extensions import db
from lms_core.models import ActivityFact, Lesson, User, utcnow


def record_heartbeat(user: User, lesson: Lesson, seconds: int) -> int:
    """Store an activity fact; returns the seconds counted (0 when ignored)."""
    cap = current_app.config["LMS_HEARTBEAT_MAX_SECONDS"]
    now = utcnow()
    last = db.session.execute(
        db.select(ActivityFact.occurred_at)
        .where(ActivityFact.user_id == user.id)
        .order_by(ActivityFact.occurred_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    allowed = cap if last is None else min(cap, int((now - last).total_seconds()))
    counted = max(0, min(int(seconds), allowed))
    if counted == 0:
        return 0
    db.session.add(
        ActivityFact(user_id=user.id, course_id=lesson.course_id, lesson_id=lesson.id, seconds=counted, occurred_at=now)
    )
    db.session.commit()
    return counted


def seconds_on_course(user_id: int, course_id: int) -> int:
    return db.session.execute(
        db.select(db.func.coalesce(db.func.sum(ActivityFact.seconds), 0)).where(
            ActivityFact.user_id == user_id, ActivityFact.course_id == course_id
        )
    ).scalar_one()


def seconds_of_learners(user_ids: list[int], course_id: int) -> dict[int, int]:
    """``seconds_on_course`` of many learners in one query (a teacher's page)."""
    if not user_ids:
        return {}
    return dict(
        db.session.execute(
            db.select(ActivityFact.user_id, db.func.sum(ActivityFact.seconds))
            .where(ActivityFact.user_id.in_(user_ids), ActivityFact.course_id == course_id)
            .group_by(ActivityFact.user_id)
        ).all()
    )
