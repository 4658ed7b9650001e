"""Deadline reminders and the after-deadline alert, sent by a periodic task.

Each run looks at the deadlines as they are now, so a moved deadline or a new
extension reschedules everything by itself. Every message sent is recorded in
``assignments_sent_reminders`` under a unique key (assignment, person, kind, deadline)
in the same transaction as the notification, so a second run, a retried job or two
workers at once never send the same one twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from lms_core import path_for, db, notify
from lms_core.models import Course, CourseStaff, Enrollment, User, utcnow

from lms_assignments import deadlines, messages
from lms_assignments.models import Assignment, DeadlineExtension, SentReminder, Submission

ALERT_WINDOW = timedelta(days=7)  # how long after a deadline its alert may still go out
REMINDER_KIND = messages.REMINDER
ALERT_KIND = messages.MISSING


def send_reminders(now: datetime | None = None) -> dict:
    """Periodic task: remind students who have not handed in, and alert teachers once
    a deadline has passed. Returns how many of each were sent."""
    now = now or utcnow()
    sent = {"reminders": 0, "alerts": 0}
    extended = db.select(DeadlineExtension.assignment_id).where(DeadlineExtension.due_at > now)
    candidates = (
        db.session.execute(
            db.select(Assignment.id)
            .join(Course, Course.id == Assignment.course_id)
            .where(
                Assignment.published.is_(True),
                Course.published.is_(True),
                db.or_(Assignment.due_at > now - ALERT_WINDOW, Assignment.id.in_(extended)),
            )
            .order_by(Assignment.due_at)
        )
        .scalars()
        .all()
    )
    for assignment_id in candidates:
        assignment = db.session.get(Assignment, assignment_id)
        sent["reminders"] += _remind_students(assignment, now)
        if assignment.due_at <= now < assignment.due_at + ALERT_WINDOW:
            sent["alerts"] += _alert_teachers(assignment, now)
    return sent


def _students(assignment: Assignment) -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(
                Enrollment.course_id == assignment.course_id,
                Enrollment.status.in_(("active", "completed")),
                User.active.is_(True),
                User.role == "student",
            )
            .order_by(User.name, User.id)
        ).scalars()
    )


def _handed_in(assignment: Assignment) -> set[int]:
    return set(
        db.session.execute(
            db.select(Submission.user_id).where(Submission.assignment_id == assignment.id, Submission.status != "draft")
        ).scalars()
    )


def _extensions(assignment: Assignment) -> dict[int, DeadlineExtension]:
    rows = db.session.execute(
        db.select(DeadlineExtension).where(DeadlineExtension.assignment_id == assignment.id)
    ).scalars()
    return {row.user_id: row for row in rows}


def _record(assignment_id: int, user_id: int, kind: str, due_at: datetime) -> bool:
    """Claim a message; ``False`` when it was already sent."""
    db.session.add(SentReminder(assignment_id=assignment_id, user_id=user_id, kind=kind, due_at=due_at))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _remind_students(assignment: Assignment, now: datetime) -> int:
    if not assignment.reminder_hours or not deadlines.is_open(assignment, now):
        return 0
    handed_in = _handed_in(assignment)
    extensions = _extensions(assignment)
    count = 0
    for student in _students(assignment):
        if student.id in handed_in:
            continue
        due = deadlines.student_deadline(assignment, student.id, extensions.get(student.id)).due_at
        if due <= now:
            continue
        # Only the nearest reminder whose time has come: a run that starts late (or a
        # deadline moved closer) sends the 1-hour reminder, not the 24-hour one too.
        hours = min((h for h in assignment.reminder_hours if due - timedelta(hours=h) <= now), default=None)
        if hours is None or not _record(assignment.id, student.id, f"before-{hours}h", due):
            continue
        notify(
            student,
            REMINDER_KIND,
            url=path_for("assignments.assignment", assignment_id=assignment.id),
            params=messages.reminder_params(student, assignment, due, hours),
        )
        count += 1
    return count


def _alert_teachers(assignment: Assignment, now: datetime) -> int:
    handed_in = _handed_in(assignment)
    extensions = _extensions(assignment)
    missing = []
    for student in _students(assignment):
        if student.id in handed_in:
            continue
        extension = extensions.get(student.id)
        missing.append((student.name, extension.due_at if extension and extension.due_at > assignment.due_at else None))
    if not missing:
        return 0
    teachers = (
        db.session.execute(
            db.select(User)
            .join(CourseStaff, CourseStaff.user_id == User.id)
            .where(CourseStaff.course_id == assignment.course_id, User.active.is_(True))
        )
        .scalars()
        .all()
    )
    count = 0
    for teacher in teachers:
        if not _record(assignment.id, teacher.id, "missing-alert", assignment.due_at):
            continue
        notify(
            teacher,
            ALERT_KIND,
            url=path_for("assignments.grading_queue", assignment_id=assignment.id),
            params=messages.missing_params(teacher, assignment, missing),
        )
        count += 1
    return count


def notify_once(
    user: User,
    assignment: Assignment,
    kind: str,
    version: datetime,
    notification_kind: str,
    url: str,
    params: dict,
) -> bool:
    """Send a one-off notification (grade released, attempt returned) unless it went
    out already for this ``version`` (a retried job must not repeat it). Its texts are
    the kind's (``messages.texts``), drawn from ``params``."""
    if not _record(assignment.id, user.id, kind, version):
        return False
    notify(user, notification_kind, url=url, params=params)
    return True
