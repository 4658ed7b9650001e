"""Cross-plugin: the gamification plugin adds its points to the analytics course overview,
and a learner hidden from the leaderboards is not named by analytics either."""
from __future__ import annotations

import pytest


@pytest.fixture
def lms_config():
    return {"LMS_PLUGINS": "analytics,gamification"}


def test_points_appear_as_a_panel_and_hidden_learners_stay_unnamed(app, factory, client, login, run_jobs):
    from lms_core.services import progress

    from lms_analytics import jobs
    from lms_gamification import privacy

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    lesson = factory.lesson(course=course)
    factory.lesson(course=course)  # not done: the course is not complete
    shy = factory.user(name="Shy Learner")
    factory.enrol(shy, course)
    progress.complete_lesson(shy, lesson)
    with app.app_context():
        run_jobs()
    privacy.set_hidden(shy.id, True)
    from datetime import timedelta

    from lms_core import db
    from lms_core.models import Enrollment, utcnow

    db.session.execute(db.update(Enrollment).values(enrolled_at=utcnow() - timedelta(days=60)))
    db.session.commit()
    jobs.enrolment_changed(shy.id, course.id)
    login(client, teacher)
    page = client.get(f"/analytics/courses/{course.id}")
    assert page.status_code == 200
    assert "Points per day" in page.text
    csv = client.get(f"/analytics/courses/{course.id}?format=csv&series=panel_points_per_day").text
    assert csv.splitlines()[0] == "Day,Points,Learners who earned points"
    assert len(csv.splitlines()) == 2  # today's points
    assert "Shy Learner" not in page.text and "Hidden learner" in page.text
