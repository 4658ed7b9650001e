"""Reminders before a deadline and the alert after it: to the right people, at the
right time, never twice, rescheduled when the deadline moves."""

from datetime import datetime, timedelta, timezone

from lms_core import db
from lms_core.models import Notification, PeriodicRun, utcnow
from lms_core.testing import run_due_tasks

from lms_assignments import authoring, reminders


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def inbox(user_id=None, kind_prefix="assignments."):
    query = db.select(Notification).where(Notification.kind.startswith(kind_prefix)).order_by(Notification.id)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return db.session.execute(query).scalars().all()


def test_students_who_have_not_handed_in_get_the_24_and_1_hour_reminders_once_each(assignments, factory):
    course, teacher, waiting = assignments.course_with_student()
    done, extended = factory.user(name="Done"), factory.user(name="Extended")
    for student in (done, extended):
        factory.enrol(student, course)
    due = utc(2031, 5, 20, 15, 0)
    assignment = assignments.create(course, teacher, title="Essay", due_at=due)
    assignments.hand_in(done, assignment, now=due - timedelta(days=3))
    authoring.set_extension(teacher, assignment, extended, due + timedelta(days=2))

    assert reminders.send_reminders(due - timedelta(hours=24, seconds=1))["reminders"] == 0
    assert reminders.send_reminders(due - timedelta(hours=24))["reminders"] == 1
    assert reminders.send_reminders(due - timedelta(hours=23))["reminders"] == 0  # nobody twice
    assert reminders.send_reminders(due - timedelta(hours=1))["reminders"] == 1
    assert reminders.send_reminders(due - timedelta(minutes=1))["reminders"] == 0

    sent = inbox(waiting.id)
    assert [n.kind for n in sent] == ["assignments.reminder", "assignments.reminder"]
    assert sent[0].title == "Reminder: “Essay” is due on May 20, 2031, 3:00\u202fPM (UTC)"
    assert sent[0].body == "You have not handed it in yet. The deadline is in 1 day."
    assert sent[1].body == "You have not handed it in yet. The deadline is in 1 hour."
    assert sent[0].url == f"/assignments/{assignment.id}"
    assert inbox(done.id) == [] and inbox(extended.id) == []

    # The student with an extension is reminded before their own deadline.
    assert reminders.send_reminders(due + timedelta(days=2, minutes=-30))["reminders"] == 1
    assert inbox(extended.id)[0].title.endswith("May 22, 2031, 3:00\u202fPM (UTC)")


def test_a_run_that_starts_late_sends_only_the_nearest_reminder(assignments):
    course, teacher, student = assignments.course_with_student()
    due = utc(2031, 1, 10, 9, 0)
    assignments.create(course, teacher, due_at=due)
    reminders.send_reminders(due - timedelta(minutes=20))
    assert [n.body for n in inbox(student.id)] == ["You have not handed it in yet. The deadline is in 1 hour."]
    assert reminders.send_reminders(due - timedelta(minutes=10))["reminders"] == 0


def test_a_moved_deadline_reschedules_the_reminders(assignments):
    course, teacher, student = assignments.course_with_student()
    due = utc(2031, 3, 1, 12, 0)
    assignment = assignments.create(course, teacher, due_at=due)
    reminders.send_reminders(due - timedelta(hours=20))
    assert len(inbox(student.id)) == 1

    later = due + timedelta(days=3)
    authoring.update_assignment(teacher, assignment, {"due_at": later})
    assert reminders.send_reminders(due - timedelta(minutes=30))["reminders"] == 0  # old deadline: nothing
    assert reminders.send_reminders(later - timedelta(hours=23))["reminders"] == 1
    assert reminders.send_reminders(later - timedelta(hours=22))["reminders"] == 0
    assert reminders.send_reminders(later - timedelta(minutes=59))["reminders"] == 1
    assert [n.title for n in inbox(student.id)][-1].endswith("Mar 4, 2031, 12:00\u202fPM (UTC)")


def test_reminder_times_are_set_per_assignment(assignments):
    course, teacher, student = assignments.course_with_student()
    due = utc(2031, 4, 1, 12, 0)
    assignments.create(course, teacher, due_at=due, reminder_hours="72")
    assignments.create(course, teacher, title="No reminders", due_at=due, reminder_hours="")
    assert reminders.send_reminders(due - timedelta(hours=72))["reminders"] == 1
    assert reminders.send_reminders(due - timedelta(minutes=30))["reminders"] == 0
    assert inbox(student.id)[0].body == "You have not handed it in yet. The deadline is in 3 days."


def test_after_the_deadline_teachers_get_one_alert_listing_who_has_not_handed_in(assignments, factory):
    course, teacher, student = assignments.course_with_student()
    student.name = "Missing Person"
    co_teacher = factory.user(role="teacher")
    from lms_core.models import CourseStaff

    db.session.add(CourseStaff(course_id=course.id, user_id=co_teacher.id))
    extended, done = factory.user(name="Extended One"), factory.user(name="Done One")
    for user in (extended, done):
        factory.enrol(user, course)
    db.session.commit()
    due = utc(2031, 6, 1, 18, 0)
    assignment = assignments.create(course, teacher, title="Lab 3", due_at=due)
    assignments.hand_in(done, assignment, now=due - timedelta(hours=2))
    authoring.set_extension(teacher, assignment, extended, due + timedelta(days=1))

    assert reminders.send_reminders(due - timedelta(seconds=1))["alerts"] == 0
    assert reminders.send_reminders(due)["alerts"] == 2  # both teachers
    assert reminders.send_reminders(due + timedelta(hours=5))["alerts"] == 0

    alerts = inbox(kind_prefix="assignments.missing")
    assert sorted(a.user_id for a in alerts) == sorted([teacher.id, co_teacher.id])
    assert alerts[0].title == "“Lab 3”: 2 students have not handed in"
    assert alerts[0].body.splitlines() == [
        "Extended One (extension until Jun 2, 2031, 6:00\u202fPM (UTC))",
        "Missing Person",
    ]
    assert alerts[0].url == f"/assignments/{assignment.id}/queue"


def test_reminders_show_the_deadline_in_the_students_time_zone_and_language(assignments, factory):
    course, teacher, _student = assignments.course_with_student()
    tokyo = factory.user(timezone="Asia/Tokyo")
    moscow = factory.user(locale="ru", timezone="Europe/Moscow")
    for user in (tokyo, moscow):
        factory.enrol(user, course)
    due = utc(2031, 12, 31, 20, 0)
    assignment = assignments.create(course, teacher, title="Essay", due_at=due)
    authoring.set_translations(assignment, "ru", "Эссе", "")
    reminders.send_reminders(due - timedelta(hours=2))
    assert inbox(tokyo.id)[0].title == "Reminder: “Essay” is due on Jan 1, 2032, 5:00\u202fAM (Asia/Tokyo)"
    russian = inbox(moscow.id)[0]
    assert russian.title == "Напоминание: срок сдачи «Эссе» — 31 дек. 2031\u202fг., 23:00 (Europe/Moscow)"
    assert russian.body == "Вы ещё не сдали работу. До срока: 1 день."


def test_the_periodic_task_runs_through_the_job_queue_and_never_repeats_a_reminder(app, assignments, run_jobs):
    """``lms scheduler``/``lms tick`` enqueue the task; with Redis a real rq worker runs
    it, without Redis it runs in-process."""
    course, teacher, student = assignments.course_with_student()
    assignments.create(course, teacher, title="Soon", due_at=utcnow() + timedelta(minutes=30))

    assert "assignments.reminders" in run_due_tasks()
    run_jobs()
    assert [n.body for n in inbox(student.id)] == ["You have not handed it in yet. The deadline is in 1 hour."]

    db.session.execute(db.delete(PeriodicRun))  # as if the interval had passed
    db.session.commit()
    assert "assignments.reminders" in run_due_tasks()
    run_jobs()
    assert len(inbox(student.id)) == 1
