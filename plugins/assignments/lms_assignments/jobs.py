"""Jobs (``lms_core.enqueue``) and periodic tasks: work that talks to other hosts or
to many students, kept out of the request. Arguments are ids; each job loads fresh
rows and is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from lms_core import db, name_params, path_for
from lms_core.models import utcnow

from lms_assignments import githost, messages, reminders, storage
from lms_assignments.models import SubmissionGrade, Submission, SubmissionLink

MAX_LINK_CHECKS = 5
STALE_PENDING = timedelta(minutes=10)
RECHECK_UNVERIFIED = timedelta(minutes=30)


def record_commit(link_id: int) -> str | None:
    """Ask the Git host which commit the link pointed to at hand-in time. A host that
    cannot be reached leaves the link accepted and marked unverified (the repair task
    tries again later); returns the link's new state."""
    link = db.session.get(SubmissionLink, link_id)
    if link is None or link.state not in ("pending", "unverified"):
        return None
    submission = link.submission
    parsed = githost.parse(link.url)
    if parsed is None or submission.submitted_at is None:
        return None
    link.checks += 1
    link.checked_at = utcnow()
    try:
        found = githost.GitHubClient().commit_at(parsed, submission.submitted_at)
    except githost.HostUnreachable:
        link.state = "unverified"
    except githost.NotFound:
        link.state = "not_found"
    else:
        link.state = "verified"
        link.commit_sha = found.sha
        if found.branch:
            link.branch = found.branch
            link.path = found.path
    db.session.commit()
    return link.state


def grades_released(grade_ids: list[int], updated: bool = False) -> int:
    """Tell each student their grade is out and recheck their course completion."""
    from lms_core.services.progress import check_completion

    told = 0
    for grade_id in grade_ids:
        grade = db.session.get(SubmissionGrade, grade_id)
        if grade is None or grade.released_at is None:
            continue
        submission = grade.submission
        assignment, student = submission.assignment, submission.user
        told += reminders.notify_once(
            student,
            assignment,
            f"grade-{grade.id}",
            grade.graded_at,
            messages.GRADE_RELEASED,
            path_for("assignments.submission", submission_id=submission.id),
            params={
                **name_params("assignment", assignment, student),
                "points": grade.points,
                "max_points": assignment.max_points,
                "updated": updated,
            },
        )
        check_completion(student.id, assignment.course_id)
    return told


def submission_returned(submission_id: int) -> bool:
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.status != "returned":
        return False
    return reminders.notify_once(
        submission.user,
        submission.assignment,
        f"returned-{submission.id}",
        submission.returned_at,
        messages.RETURNED,
        path_for("assignments.assignment", assignment_id=submission.assignment_id),
        params={
            **name_params("assignment", submission.assignment, submission.user),
            "comment": submission.return_comment or "",
        },
    )


def tell_teachers(submission_id: int) -> int:
    """Tell the course's teachers that a student handed in (once per attempt)."""
    from lms_core.models import CourseStaff, User

    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.status == "draft":
        return 0
    assignment, student = submission.assignment, submission.user
    teachers = (
        db.session.execute(
            db.select(User)
            .join(CourseStaff, CourseStaff.user_id == User.id)
            .where(CourseStaff.course_id == assignment.course_id, User.active.is_(True))
        )
        .scalars()
        .all()
    )
    from lms_assignments import notices

    daily = notices.daily_teachers(t.id for t in teachers)  # they get the summary instead
    told = 0
    for teacher in teachers:
        if teacher.id in daily:
            continue
        told += reminders.notify_once(
            teacher,
            assignment,
            f"received-{submission.id}",
            submission.submitted_at or utcnow(),
            messages.RECEIVED,
            path_for("assignments.submission", submission_id=submission.id),
            params={
                "student": student.name,
                **name_params("assignment", assignment, teacher),
                "number": submission.number,
            },
        )
    return told


def send_hand_in_digests() -> int:
    """Periodic task ``assignments.hand_in_digest``: the daily summaries of hand-ins."""
    from lms_assignments import notices

    return notices.send_digests()


def send_reminders() -> dict:
    """Periodic task ``assignments.reminders``."""
    return reminders.send_reminders()


def repair() -> dict:
    """Periodic task ``assignments.repair``: finish what a crash or an outage left
    undone, namely links never checked or checked while the host was down, and files
    written without a row."""
    now = utcnow()
    link_ids = (
        db.session.execute(
            db.select(SubmissionLink.id)
            .join(Submission, Submission.id == SubmissionLink.submission_id)
            .where(
                Submission.status != "draft",
                SubmissionLink.checks < MAX_LINK_CHECKS,
                db.or_(
                    db.and_(SubmissionLink.state == "pending", Submission.submitted_at < now - STALE_PENDING),
                    db.and_(SubmissionLink.state == "unverified", SubmissionLink.checked_at < now - RECHECK_UNVERIFIED),
                ),
            )
        )
        .scalars()
        .all()
    )
    for link_id in link_ids:
        record_commit(link_id)
    return {"links": len(link_ids), "orphan_files": storage.remove_orphans()}
