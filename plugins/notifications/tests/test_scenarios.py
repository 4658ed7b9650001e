"""The scenario catalogue: what the project's plugins declare, templates an admin edits
per language (sandboxed, previewed, falling back to the default when broken), and the
course start reminders from ``courses.starts_at``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lms_core import db, notify
from lms_core.models.base import utcnow
from lms_core.testing import login

TOMORROW = "notifications.course_starts_tomorrow"
ALL = pytest.mark.lms_config(LMS_PLUGINS="notifications,assignments,certificates,gamification")


@ALL
def test_the_project_plugins_declare_their_scenarios_and_the_admin_sees_them(app, client, factory):
    from lms_notifications import scenarios

    names = {s.name: s for s in scenarios.catalogue()}
    for name in (
        "notifications.course_starts_tomorrow",
        "notifications.course_starts_today",
        "notifications.announcement",
        "assignments.reminder",
        "assignments.grade_released",
        "assignments.submission_received",
        "certificates.issued",
        "gamification.badge",
        "gamification.level",
    ):
        assert name in names, name
    assert names["assignments.submission_received"].audience == "teacher"
    assert names["gamification.badge"].plugin == "gamification"
    login(client, factory.user(role="admin", locale="ru"))
    page = client.get("/notifications/admin/scenarios").get_data(as_text=True)
    assert "Скоро срок сдачи" in page and "Сертификат выдан" in page and "Получен значок" in page


@ALL
def test_a_deadline_reminder_is_written_from_its_scenario_in_the_students_language(app, factory, smtp_server, run_jobs):
    from lms_assignments import authoring, reminders

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    student = factory.user(locale="ru", name="Иван")
    factory.enrol(student, course)
    due = utcnow() + timedelta(hours=20)
    assignment = authoring.create_assignment(
        teacher, course, {"title": "Эссе", "description": "x", "due_at": due, "max_points": 10, "reminder_hours": [24]}
    )
    assert reminders.send_reminders()["reminders"] == 1
    run_jobs()
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"].strip().startswith("Напоминание: «Эссе» нужно сдать до ")
    assert "Вы ещё не сдали «Эссе». До срока осталось 1 день" in mail.get_body(("plain",)).get_content()
    assert assignment.id


@ALL
def test_teachers_hear_of_a_hand_in_in_their_daily_digest(app, factory, smtp_server, deliveries, run_jobs):
    from lms_assignments import authoring, submissions

    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    student = factory.user(name="Ann Smith")
    factory.enrol(student, course)
    assignment = authoring.create_assignment(
        teacher,
        course,
        {"title": "Essay", "description": "x", "due_at": utcnow() + timedelta(days=3), "max_points": 10},
    )
    submissions.save(student, assignment, text="Done", links=None, uploads=[], submit=True)
    run_jobs()
    [row] = deliveries(user_id=teacher.id, scenario="assignments.submission_received")
    assert (row.scenario, row.channel, row.frequency, row.status) == (
        "assignments.submission_received",
        "email",
        "daily",
        "queued",
    )
    from lms_notifications import delivery

    delivery.send_digest(teacher.id, "email", row.due_at + timedelta(minutes=1))
    smtp_server.wait_for(2)  # the student's badge for a first hand-in went out at once
    [mail] = [m for m in smtp_server.messages if m["To"] == teacher.email]
    assert mail["Subject"].strip() == "Your digest: 1 notification"
    assert "Ann Smith handed in “Essay”" in mail.get_body(("plain",)).get_content()


def test_an_admin_edits_the_russian_template_previews_it_and_a_broken_one_is_refused(
    app, client, factory, smtp_server, run_jobs
):
    admin = factory.user(role="admin")
    login(client, admin)
    url = f"/notifications/admin/scenarios/{TOMORROW}?language=ru"
    page = client.get(url).get_data(as_text=True)
    assert "«Python 101» начинается завтра" in page  # the default, with the sample data
    preview = client.post(url, data={"language": "ru", "action": "preview", "subject": "Скоро: {{ course|upper }}"})
    assert preview.status_code == 200 and "Скоро: PYTHON 101" in preview.get_data(as_text=True)
    broken = client.post(url, data={"language": "ru", "action": "save", "subject": "{% if course %}unclosed"})
    assert broken.status_code == 400 and "does not work with the sample data" in broken.get_data(as_text=True)
    escape = client.post(
        url, data={"language": "ru", "action": "save", "subject": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    )
    assert escape.status_code == 400 and "SecurityError" in escape.get_data(as_text=True)
    saved = client.post(
        url,
        data={"language": "ru", "action": "save", "subject": "Завтра: {{ course }}", "short": "Завтра {{ course }}"},
    )
    assert saved.status_code == 303

    ru, en = factory.user(locale="ru"), factory.user(locale="en")
    for user in (ru, en):
        notify(user, TOMORROW, title="x", params={"course": "SQL", "starts_at": "10:00"})
    run_jobs()
    subjects = sorted(m["Subject"].strip() for m in smtp_server.wait_for(2))
    assert subjects == ["Завтра: SQL", "“SQL” starts tomorrow"]


def test_a_template_that_fails_on_real_data_falls_back_to_the_default(app, factory, smtp_server, run_jobs):
    from lms_notifications.models import Template

    db.session.add(Template(scenario=TOMORROW, language="en", part="subject", source="{{ 100 // params_missing }}"))
    db.session.add(Template(scenario=TOMORROW, language="en", part="text", source="{{ course.upper() }} {{ 1 // 0 }}"))
    db.session.commit()
    notify(factory.user(), TOMORROW, title="x", params={"course": "SQL", "starts_at": "10:00"})
    run_jobs()
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"].strip() == "“SQL” starts tomorrow"
    assert "the course “SQL” starts on 10:00." in mail.get_body(("plain",)).get_content()


def test_a_kind_nobody_declared_still_goes_out_with_its_own_title_and_body(app, factory, smtp_server, run_jobs):
    notify(factory.user(), "somewhere.else", title="Plain title", body="Plain body", url="/x")
    run_jobs()
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"].strip() == "Plain title"
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n").startswith("Plain body\n\nhttp://localhost/x")


def test_the_teacher_sets_the_start_date_in_their_time_zone(app, client, factory):
    teacher = factory.user(role="teacher", timezone="Europe/Moscow")
    course = factory.course(teacher=teacher, title="Python 101")
    login(client, teacher)
    response = client.post(
        f"/teach/courses/{course.id}",
        data={
            "title": "Python 101",
            "slug": course.slug,
            "summary": "",
            "default_language": "en",
            "published": "y",
            "starts_at": "2031-03-01T10:00",
        },
    )
    assert response.status_code == 303
    db.session.refresh(course)
    assert course.starts_at == datetime(2031, 3, 1, 7, 0, tzinfo=timezone.utc)
    assert 'value="2031-03-01T10:00"' in client.get(f"/teach/courses/{course.id}/settings").get_data(as_text=True)


def test_learners_hear_the_day_before_and_on_the_day_and_never_twice(app, factory, deliveries):
    from lms_core.models import Notification

    from lms_notifications import course_start

    starts = datetime(2031, 3, 1, 7, 0, tzinfo=timezone.utc)
    course = factory.course(title="Python 101", starts_at=starts)
    ann, bob = factory.user(timezone="Europe/Moscow"), factory.user(locale="ru")
    for learner in (ann, bob):
        factory.enrol(learner, course)
    factory.enrol(factory.user(), factory.course(starts_at=starts + timedelta(days=3)))  # not yet

    assert course_start.send_due(starts - timedelta(hours=30)) == {"tomorrow": 0, "today": 0}
    assert course_start.send_due(starts - timedelta(hours=20)) == {"tomorrow": 2, "today": 0}
    assert course_start.send_due(starts - timedelta(hours=19)) == {"tomorrow": 0, "today": 0}
    assert course_start.send_due(starts - timedelta(hours=2)) == {"tomorrow": 0, "today": 2}
    assert course_start.send_due(starts - timedelta(hours=1)) == {"tomorrow": 0, "today": 0}
    titles = (
        db.session.execute(
            db.select(Notification.title).where(Notification.user_id == ann.id).order_by(Notification.id)
        )
        .scalars()
        .all()
    )
    assert titles == [
        "“Python 101” starts tomorrow, Mar 1, 2031, 10:00\u202fAM (Europe/Moscow)",
        "“Python 101” starts today at 10:00\u202fAM (Europe/Moscow)",
    ]
    bob_titles = (
        db.session.execute(
            db.select(Notification.title).where(Notification.user_id == bob.id).order_by(Notification.id)
        )
        .scalars()
        .all()
    )
    assert bob_titles[0].startswith("«Python 101» начинается завтра")
    # ann wrote English; she reads it in Russian after switching, in her own time zone
    from lms_core.testing import inbox_read_in

    with app.test_client() as client:
        shown = inbox_read_in(client, ann, "ru")
    assert shown["notifications.course_starts_today"][0] == "«Python 101» начинается сегодня в 10:00 (Europe/Moscow)"

    course.starts_at = starts + timedelta(days=7)  # moved: a new occurrence
    db.session.commit()
    assert course_start.send_due(course.starts_at - timedelta(hours=20)) == {"tomorrow": 2, "today": 0}


def test_the_admin_sets_a_scenarios_fallback_order_frequency_and_lock(app, client, factory):
    from lms_notifications import scenarios

    login(client, factory.user(role="admin"))
    response = client.post(
        "/notifications/admin/scenarios",
        data={
            "scenario": TOMORROW,
            "channels": ["email", "telegram", "sms"],
            "rank-email": "3",
            "rank-telegram": "1",
            "rank-sms": "2",
            "frequency": "daily",
            "locked": "1",
        },
    )
    assert response.status_code == 303
    scenario = scenarios.get(TOMORROW)
    assert (scenario.fallback, scenario.frequency, scenario.locked) == (["telegram", "sms", "email"], "daily", True)
    refused = client.post("/notifications/admin/scenarios", data={"scenario": TOMORROW, "frequency": "hourly"})
    assert refused.status_code == 303 and scenarios.get(TOMORROW).frequency == "daily"
    assert client.post("/notifications/admin/scenarios", data={"scenario": "nope.nothing"}).status_code == 303
    assert client.get("/notifications/admin/scenarios/nope.nothing").status_code == 404
