"""Announcements: a teacher to a course, an admin to a role, in batches of jobs (a real
``lms worker`` on Redis), one SMTP connection per batch, with progress and a report."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from lms_core import db
from lms_core.models import Notification
from lms_core.models.base import utcnow
from lms_core.testing import login

ANNOUNCEMENT = "notifications.announcement"


def count_sessions(smtp_server) -> list:
    """The SMTP session of every message received (one per connection)."""
    sessions = []
    original = smtp_server.handle_DATA

    async def counting(server, session, envelope):
        sessions.append(id(session))
        return await original(server, session, envelope)

    smtp_server.handle_DATA = counting
    return sessions


def run_worker(app) -> None:
    """``lms worker --burst`` in its own process, on the test's database, Redis and SMTP server."""
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        REDIS_URL=app.config["REDIS_URL"],
        LMS_PLUGINS="notifications",
        LMS_BASE_URL="http://localhost",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(app.config["MAIL_PORT"]),
        MAIL_TIMEOUT="5",
    )
    result = subprocess.run(
        [sys.executable, "-m", "lms_core.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def course_of(factory, learners: int, **user_fields):
    teacher = factory.user(role="teacher", name="Ada Lovelace")
    course = factory.course(teacher=teacher, title="Python 101")
    people = [factory.user(**user_fields) for _ in range(learners)]
    for person in people:
        factory.enrol(person, course)
    return teacher, course, people


@pytest.mark.lms_config(NOTIFICATIONS_BATCH_SIZE=3)
def test_a_course_announcement_goes_out_in_batches_with_a_report(
    app, client, factory, smtp_server, addresses, run_jobs
):
    from rq import Queue

    from lms_core import redis_connection

    from lms_core import set_translation

    teacher, course, people = course_of(factory, 7)
    set_translation(course, course, "title", "ru", "Питон 101")
    people[2].locale = "ru"  # reads the course in Russian
    db.session.commit()
    addresses.choose(people[0], ANNOUNCEMENT, "email", "off")
    smtp_server.refuse(people[1].email, "550 5.1.1 No such mailbox")
    sessions = count_sessions(smtp_server)
    login(client, teacher)
    response = client.post(
        f"/notifications/courses/{course.id}/announcements",
        data={"subject": "Room change", "body": "Tomorrow's lecture is in room 101."},
    )
    assert response.status_code == 303
    if app.config.get("REDIS_URL"):
        assert (
            Queue("lms", connection=redis_connection()).count == 3
        )  # 7 recipients, 3 per job: queued, nothing sent at the click
        assert smtp_server.messages == []
        run_worker(app)
    else:
        run_jobs()  # inline: the batches ran at the click

    messages = smtp_server.wait_for(5)
    assert sorted(m["To"] for m in messages) == sorted(p.email for p in people[2:])
    assert len(set(sessions)) == 3  # one SMTP connection per batch
    russian = next(m for m in messages if m["To"] == people[2].email)
    assert "— Ada Lovelace, Питон 101" in russian.get_body(("plain",)).get_content()
    first = next(m for m in messages if m["To"] != people[2].email)
    assert first["Subject"].strip() == "Room change"
    assert "Tomorrow's lecture is in room 101.\n\n— Ada Lovelace, Python 101" in first.get_body(
        ("plain",)
    ).get_content().replace("\r\n", "\n")
    inbox = db.session.execute(db.select(Notification.user_id).where(Notification.kind == ANNOUNCEMENT)).scalars()
    assert sorted(inbox) == sorted(p.id for p in people)  # everyone's inbox, even those e-mail skipped

    progress = client.get(response.headers["Location"] + "/progress").get_json()
    assert progress | {"id": 0} == {
        "id": 0,
        "recipients": 7,
        "handled": 7,
        "percent": 100,
        "finished": True,
        "sent": 5,
        "failed": 1,
        "skipped": 1,
        "waiting": 0,
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-field="sent">5<' in page and 'data-field="skipped">1<' in page
    outsider = factory.user(role="teacher")
    login(client, outsider)
    assert client.get(response.headers["Location"]).status_code == 403


def test_a_batch_that_runs_twice_sends_nothing_twice(app, factory, smtp_server):
    from lms_notifications import announcements

    teacher, course, people = course_of(factory, 3)
    item = announcements.create(teacher, "Hello", "Text", course=course)
    ids = [p.id for p in people]
    announcements.send_batch(item.id, ids)
    announcements.send_batch(item.id, ids)
    assert len(smtp_server.wait_for(4, timeout=0.5)) == 3
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar_one() == 3


def test_batches_that_never_ran_are_found_and_sent(app, factory, smtp_server, monkeypatch):
    from lms_notifications import announcements, jobs

    teacher, course, people = course_of(factory, 4)

    def redis_down(*args, **kwargs):
        raise ConnectionError("Redis is unreachable")

    monkeypatch.setattr(announcements, "enqueue", redis_down)
    item = announcements.create(teacher, "Hello", "Text", course=course)
    assert item.recipients == 4 and smtp_server.messages == []
    monkeypatch.undo()
    jobs.dispatch()  # too early to call it stalled
    assert smtp_server.messages == []
    item.created_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    jobs.dispatch()
    if app.config.get("REDIS_URL"):
        run_worker(app)
    assert len(smtp_server.wait_for(4)) == 4
    db.session.refresh(item)
    assert item.finished_at is not None


def test_an_admin_writes_to_one_role_and_bad_input_is_refused_in_russian(app, client, factory, smtp_server, run_jobs):
    from lms_notifications.models import Announcement

    admin = factory.user(role="admin", locale="ru")
    teachers = [factory.user(role="teacher") for _ in range(2)]
    factory.user()
    login(client, admin)
    empty = client.post("/notifications/admin/announcements", data={"subject": " ", "body": "x", "audience": "teacher"})
    assert empty.status_code == 400 and "Введите тему." in empty.get_data(as_text=True)
    wrong = client.post("/notifications/admin/announcements", data={"subject": "A", "body": "x", "audience": "robots"})
    assert wrong.status_code == 400
    assert db.session.execute(db.select(db.func.count(Announcement.id))).scalar_one() == 0
    ok = client.post(
        "/notifications/admin/announcements", data={"subject": "Staff meeting", "body": "At 5.", "audience": "teacher"}
    )
    assert ok.status_code == 303
    run_jobs()
    if app.config.get("REDIS_URL"):
        run_worker(app)
    assert sorted(m["To"] for m in smtp_server.wait_for(2)) == sorted(t.email for t in teachers)
    student = factory.user()
    login(client, student)
    assert client.get("/notifications/admin/announcements").status_code == 403
