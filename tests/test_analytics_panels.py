"""Cross-plugin: the gamification plugin adds its points to the analytics course overview,
and a learner hidden from the leaderboards is not named by analytics either."""

from __future__ import annotations

import pytest


@pytest.fixture
def lms_config(request):
    settings = {"LMS_PLUGINS": "analytics,gamification"}
    for marker in reversed(list(request.node.iter_markers("lms_config"))):
        settings.update(marker.kwargs)
    return settings


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


@pytest.mark.lms_config(LMS_PLUGINS="analytics,assignments")
def test_assignment_statistics_come_from_the_assignments_plugin(app, factory, client, login, run_jobs):
    from datetime import datetime, timedelta, timezone

    from lms_assignments import authoring, grading, submissions

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    handed, missing = factory.user(), factory.user()
    for learner in (handed, missing):
        factory.enrol(learner, course)
    assignment = authoring.create_assignment(
        teacher,
        course,
        {
            "title": "Essay",
            "description": "Write.",
            "due_at": datetime.now(timezone.utc) + timedelta(days=7),
            "max_points": 10,
            "grading_mode": "rubric",
            "rubric": [
                {"title": "Correctness", "levels": [{"title": "Right", "points": 6}, {"title": "Wrong", "points": 0}]},
                {"title": "Style", "levels": [{"title": "Clean", "points": 4}, {"title": "Messy", "points": 1}]},
            ],
        },
    )
    submission = submissions.save(handed, assignment, text="My essay", links=None, uploads=[], submit=True, now=None)
    levels = {
        str(c.id): next(lv.id for lv in c.levels if lv.title == t)
        for c, t in zip(assignment.criteria, ("Right", "Messy"))
    }
    grading.grade_submission(teacher, submission, levels=levels)
    grading.release(submission)
    with app.app_context():
        run_jobs()
    login(client, teacher)
    page = client.get(f"/analytics/courses/{course.id}/assignments")
    assert page.status_code == 200 and "Essay" in page.text
    csv = client.get(f"/analytics/courses/{course.id}/assignments?format=csv&series=assignment_rates").text
    assert csv.splitlines()[1] == "Essay,50.0,0.0"  # one of two learners handed in, on time
    criteria = client.get(f"/analytics/courses/{course.id}/assignments?format=csv&series=rubric_criteria").text
    assert criteria.splitlines()[1:] == ["Essay: Correctness,6.0,6.0", "Essay: Style,1.0,4.0"]
