"""Teachers see their own courses' dashboards, admins every course; learners who asked
to be hidden are never named; a teacher writes to a learner at risk."""

from __future__ import annotations

import csv
import io

from lms_core import hookimpl
from lms_core.models import Notification


class HidesLearners:
    """A privacy plugin: the listed learners asked not to be named."""

    def __init__(self, ids):
        self.ids = ids

    @hookimpl
    def lms_analytics_hidden_learners(self, user_ids):
        return [i for i in user_ids if i in self.ids]


def enrolled_long_ago(course, learners, days):
    """As if they had enrolled ``days`` ago and done nothing since."""
    from datetime import timedelta

    from lms_core import db
    from lms_core.models import Enrollment, utcnow

    from lms_analytics import jobs

    for learner in learners:
        db.session.execute(
            db.update(Enrollment)
            .where(Enrollment.user_id == learner.id, Enrollment.course_id == course.id)
            .values(enrolled_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()
        jobs.enrolment_changed(learner.id, course.id)


def test_a_teacher_sees_only_the_courses_they_teach(factory, client, login):
    mine_teacher, other_teacher = factory.user(role="teacher"), factory.user(role="teacher")
    mine, other = (
        factory.course(teacher=mine_teacher, title="Mine"),
        factory.course(teacher=other_teacher, title="Theirs"),
    )
    learner = factory.user(name="Only Theirs")
    factory.enrol(learner, other)
    login(client, mine_teacher)
    index = client.get("/analytics/")
    assert "Mine" in index.text and "Theirs" not in index.text
    assert client.get(f"/analytics/courses/{mine.id}").status_code == 200
    assert client.get(f"/analytics/courses/{other.id}").status_code == 403
    assert client.get(f"/analytics/learners/{learner.id}").status_code == 403
    assert client.get("/api/v1/analytics/tables/courses").json == [
        {
            "course_id": mine.id,
            "course": "Mine",
            "hours": 0.0,
            "peak_active_learners": 0,
            "enrolments": 0,
            "completions": 0,
            "attempts": 0,
        }
    ]


def test_students_have_no_analytics(factory, client, login):
    student = factory.user()
    login(client, student)
    assert client.get("/analytics/").status_code == 403
    assert client.get("/analytics/platform").status_code == 403


def test_an_admin_sees_every_course_and_the_platform(factory, client, login):
    admin = factory.user(role="admin")
    course = factory.course(title="Any course")
    login(client, admin)
    assert "Any course" in client.get("/analytics/").text
    assert client.get(f"/analytics/courses/{course.id}").status_code == 200
    page = client.get("/analytics/platform")
    assert page.status_code == 200 and "Plugin usage" in page.text and "analytics" in page.text


def test_hidden_learners_are_not_named_at_risk(app, factory, client, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    factory.lesson(course=course)
    shy, open_ = factory.user(name="Shy Person"), factory.user(name="Open Person")
    for learner in (shy, open_):
        factory.enrol(learner, course)
    enrolled_long_ago(course, (shy, open_), days=30)
    app.extensions["lms_plugins"].register(HidesLearners({shy.id}), name="privacy_stand_in")
    login(client, teacher)
    page = client.get(f"/analytics/courses/{course.id}")
    assert page.status_code == 200
    assert "Open Person" in page.text
    assert "Shy Person" not in page.text and "Hidden learner" in page.text
    assert "Shy Person" not in client.get(f"/analytics/learners/{shy.id}").text


def test_every_chart_downloads_as_csv_with_the_table_data(factory, client, login, settle):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    factory.lesson(course=course, title="Intro")
    learner = factory.user()
    factory.enrol(learner, course)
    settle()
    login(client, teacher)
    response = client.get(f"/analytics/courses/{course.id}?format=csv&series=funnel")
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.text)))
    assert table == [["Item", "Learners", "Percent of enrolled"], ["Enrolled", "1", "100.0"], ["Intro", "0", "0.0"]]
    assert client.get(f"/analytics/courses/{course.id}?format=csv&series=nope").status_code == 404


def test_bad_filters_get_a_clear_message(factory, client, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)
    response = client.get(f"/analytics/courses/{course.id}?from=yesterday")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.text
    response = client.get(f"/analytics/courses/{course.id}?from=2026-05-02&to=2026-05-01")
    assert response.status_code == 400
    assert client.get(f"/analytics/courses/{course.id}?group=everyone").status_code == 400


def test_the_overview_in_russian(factory, client, login):
    teacher = factory.user(role="teacher", locale="ru")
    course = factory.course(teacher=teacher)
    login(client, teacher)
    page = client.get(f"/analytics/courses/{course.id}")
    assert "Активные учащиеся по дням" in page.text and "Учащиеся в зоне риска" in page.text
    assert "<script>" not in page.text and "onclick" not in page.text


def test_a_teacher_writes_to_a_learner_at_risk(factory, client, login, app, settle):
    from lms_core import db

    teacher = factory.user(role="teacher", name="Teacher T")
    course = factory.course(teacher=teacher, title="Algebra")
    learner = factory.user()
    factory.enrol(learner, course)
    settle()
    login(client, teacher)
    url = f"/analytics/courses/{course.id}/learners/{learner.id}/message"
    assert client.post(url, data={"body": "  "}).status_code == 400
    assert db.session.execute(db.select(Notification).where(Notification.user_id == learner.id)).first() is None
    response = client.post(url, data={"body": "How are you getting on?"})
    assert response.status_code == 303
    note = db.session.execute(db.select(Notification).where(Notification.user_id == learner.id)).scalar_one()
    assert note.kind == "analytics.message" and note.body == "How are you getting on?"
    assert "Teacher T" in note.title and "Algebra" in note.title
    stranger = factory.user()
    assert (
        client.post(f"/analytics/courses/{course.id}/learners/{stranger.id}/message", data={"body": "hi"}).status_code
        == 404
    )
    from lms_core.testing import inbox_read_in

    client.post("/logout")
    title, body = inbox_read_in(client, learner, "ru")["analytics.message"]  # written in English
    assert title.startswith("Сообщение от Teacher T") and "Algebra" in title and body == "How are you getting on?"


def test_assignment_statistics_say_when_no_plugin_provides_them(factory, client, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)
    page = client.get(f"/analytics/courses/{course.id}/assignments")
    assert page.status_code == 200 and "No plugin provides assignments" in page.text
