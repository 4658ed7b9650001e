"""A notification is shown in the language its reader reads now: a student who got a
reminder in English reads it in Russian after switching, the deadline included."""

from datetime import datetime, timedelta, timezone

from lms_core import db, notify
from lms_core.models import Notification
from lms_core.testing import inbox_read_in

from lms_assignments import authoring, reminders


def test_a_reminder_and_an_alert_written_in_english_are_read_in_russian(assignments, factory, client):
    course, teacher, student = assignments.course_with_student()
    teacher.locale = student.locale = "en"
    factory.enrol(factory.user(name="Late Larry"), course)
    due = datetime(2031, 5, 20, 15, 0, tzinfo=timezone.utc)
    essay = assignments.create(course, teacher, title="Essay", due_at=due)
    authoring.set_translations(essay, "ru", "Эссе", "Описание")
    reminders.send_reminders(due - timedelta(hours=1))
    reminders.send_reminders(due)
    stored = db.session.execute(db.select(Notification).where(Notification.user_id == student.id)).scalar_one()
    assert stored.title == "Reminder: “Essay” is due on May 20, 2031, 3:00\u202fPM (UTC)"

    # the assignment's title too is read in Russian, as the course translates it
    title, body = inbox_read_in(client, student, "ru")["assignments.reminder"]
    assert title == "Напоминание: срок сдачи «Эссе» — 20 мая 2031\u202fг., 15:00 (UTC)"
    assert body == "Вы ещё не сдали работу. До срока: 1 час."
    client.post("/logout")
    title, body = inbox_read_in(client, teacher, "ru")["assignments.missing"]
    assert "«Эссе»" in title and "не сдали" in title and "Late Larry" in body
    client.post("/language", data={"language": "en", "next": "/inbox"})
    [item] = client.get("/api/v1/notifications").get_json()["items"]
    assert item["title"] == "“Essay”: 2 students have not handed in"  # the course's own language


def test_an_older_notification_without_params_keeps_its_stored_text(assignments, client):
    _course, _teacher, student = assignments.course_with_student()
    notify(student, reminders.REMINDER_KIND, "Reminder written long ago", "As it was")
    assert inbox_read_in(client, student, "ru")["assignments.reminder"] == ("Reminder written long ago", "As it was")
