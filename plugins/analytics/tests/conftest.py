"""Fixtures for the analytics plugin's tests: the plugin alone (``LMS_PLUGINS=analytics``)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest


@pytest.fixture
def lms_config(request) -> dict:
    settings = {"LMS_PLUGINS": "analytics", "ANALYTICS_METRICS_ALLOWED_IPS": "127.0.0.1"}
    for marker in reversed(list(request.node.iter_markers("lms_config"))):
        settings.update(marker.kwargs)
    return settings


@pytest.fixture
def settle(app, run_jobs):
    def run():
        with app.app_context():
            run_jobs()

    return run


@pytest.fixture
def add_facts(app):
    """Write activity facts directly (as heartbeats would): (user, lesson, seconds, when)."""
    from lms_core import db
    from lms_core.models import ActivityFact

    def add(rows):
        for user, lesson, seconds, when in rows:
            db.session.add(
                ActivityFact(
                    user_id=user.id, course_id=lesson.course_id, lesson_id=lesson.id, seconds=seconds, occurred_at=when
                )
            )
        db.session.commit()

    return add


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=timezone.utc)


@pytest.fixture(name="at")
def at_fixture():
    return at
