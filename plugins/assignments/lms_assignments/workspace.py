"""The plugin's parts of the teacher's workspace: the Assignments tab of a course (with
the number of hand-ins waiting), the assignments' columns in the core's gradebook, and
the teacher's "To do" (hand-ins to grade, learners past a deadline without a hand-in)."""

from __future__ import annotations

from flask import url_for

from lms_core import GradebookItem, TodoItem, WorkspaceTab, cache, can, db, gettext as _, localized, path_for
from lms_core.models import Course, CourseStaff, Enrollment, User, utcnow

from lms_assignments.models import Assignment, DeadlineExtension, Submission, SubmissionGrade


def _waiting(*columns):
    """Over the latest hand-ins (no later one by the same student) not graded yet."""
    later = db.aliased(Submission)
    newer = (
        db.select(later.id)
        .where(
            later.assignment_id == Submission.assignment_id,
            later.user_id == Submission.user_id,
            later.number > Submission.number,
            later.status != "draft",
        )
        .exists()
    )
    return (
        db.select(*columns)
        .select_from(Submission)
        .outerjoin(SubmissionGrade, SubmissionGrade.submission_id == Submission.id)
        .where(Submission.status == "submitted", SubmissionGrade.id.is_(None), ~newer)
    )


WAITING_CACHE = "assignments_waiting"
WAITING_COUNT_SECONDS = 60  # at most this late in another process (hand-ins and grades forget it here)


def waiting_count(course_id: int) -> int:
    """Hand-ins of the course waiting for a grade: the number on the workspace tab.
    Counting them walks every hand-in of the course (8 ms at 12,000), and the tab is on
    every page of the workspace, so the number is cached, forgotten whenever a hand-in
    is handed in, graded or returned (``waiting_changed``) and at most a minute old."""
    return cache.get_or_compute(
        WAITING_CACHE,
        str(course_id),
        lambda: int(
            db.session.execute(
                _waiting(db.func.count(Submission.id))
                .join(Assignment, Assignment.id == Submission.assignment_id)
                .where(Assignment.course_id == course_id)
            ).scalar_one()
        ),
        ttl=WAITING_COUNT_SECONDS,
    )


def waiting_changed() -> None:
    """A hand-in was handed in, graded or returned: call after its commit."""
    cache.invalidate(WAITING_CACHE)


def tabs(user, course) -> list[WorkspaceTab]:
    row = db.session.get(Course, course.id)
    person = db.session.get(User, user.id) if user is not None else None
    if row is None or person is None or not can(person, "assignments.manage", row):
        return []
    waiting = waiting_count(course.id)
    return [
        WorkspaceTab(
            "assignments",
            _("Assignments and grading"),
            url_for("assignments.course_list", course_id=course.id),
            count=int(waiting) or None,
            order=10,
        )
    ]


def gradebook_items(course, user_ids) -> list[GradebookItem]:
    """One column per published assignment: each learner's best released grade (a grade
    not released yet is not shown, to teachers either: the gradebook is what learners see)."""
    row = db.session.get(Course, course.id)
    assignments = list(
        db.session.execute(
            db.select(Assignment)
            .where(Assignment.course_id == course.id, Assignment.published.is_(True))
            .order_by(Assignment.position, Assignment.id)
        ).scalars()
    )
    if not assignments:
        return []
    scores: dict[int, dict[int, float]] = {a.id: {} for a in assignments}
    if user_ids is None or user_ids:
        query = (
            db.select(Submission.assignment_id, Submission.user_id, db.func.max(SubmissionGrade.points))
            .join(SubmissionGrade, SubmissionGrade.submission_id == Submission.id)
            .where(Submission.assignment_id.in_(list(scores)), SubmissionGrade.released_at.is_not(None))
            .group_by(Submission.assignment_id, Submission.user_id)
        )
        if user_ids is not None:
            query = query.where(Submission.user_id.in_(user_ids))
        for assignment_id, user_id, points in db.session.execute(query).all():
            scores[assignment_id][user_id] = float(points)
    return [
        GradebookItem(
            f"assignments:assignment:{a.id}",
            localized(a, "title", row) if row is not None else a.title,
            float(a.max_points),
            scores[a.id],
            url=path_for("assignments.grading_queue", assignment_id=a.id),
            date=a.due_at,
            tracked=True,  # grading marks every released grade (gradebook_changed)
        )
        for a in assignments
        if a.max_points and a.max_points > 0
    ]


def _overdue_counts(assignment_ids, now) -> dict[int, int]:
    """Per required, published assignment past its deadline: the active learners without
    a hand-in and without a deadline extension still running. Counted as the course's
    active learners less those who handed in and those extended, three grouped queries
    over the hand-ins and extensions, not a probe of every (assignment, learner) pair:
    80 assignments of a 5,000-learner course would be 400,000 of them."""
    due = db.session.execute(
        db.select(Assignment.id, Assignment.course_id).where(
            Assignment.id.in_(assignment_ids),
            Assignment.published.is_(True),
            Assignment.required.is_(True),
            Assignment.due_at < now,
        )
    ).all()
    if not due:
        return {}
    due_ids = [assignment_id for assignment_id, _course in due]
    active = dict(
        db.session.execute(
            db.select(Enrollment.course_id, db.func.count(Enrollment.id))
            .where(Enrollment.course_id.in_({course_id for _a, course_id in due}), Enrollment.status == "active")
            .group_by(Enrollment.course_id)
        ).all()
    )
    learner = db.and_(Enrollment.course_id == Assignment.course_id, Enrollment.status == "active")
    handed_in = dict(
        db.session.execute(
            db.select(Submission.assignment_id, db.func.count(db.distinct(Submission.user_id)))
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .join(Enrollment, db.and_(Enrollment.user_id == Submission.user_id, learner))
            .where(Submission.assignment_id.in_(due_ids), Submission.status != "draft")
            .group_by(Submission.assignment_id)
        ).all()
    )
    a_hand_in = (
        db.select(Submission.id)
        .where(
            Submission.assignment_id == DeadlineExtension.assignment_id,
            Submission.user_id == DeadlineExtension.user_id,
            Submission.status != "draft",
        )
        .exists()
    )
    extended = dict(
        db.session.execute(
            db.select(DeadlineExtension.assignment_id, db.func.count(db.distinct(DeadlineExtension.user_id)))
            .join(Assignment, Assignment.id == DeadlineExtension.assignment_id)
            .join(Enrollment, db.and_(Enrollment.user_id == DeadlineExtension.user_id, learner))
            .where(DeadlineExtension.assignment_id.in_(due_ids), DeadlineExtension.due_at > now, ~a_hand_in)
            .group_by(DeadlineExtension.assignment_id)
        ).all()
    )
    counts = {
        assignment_id: active.get(course_id, 0) - handed_in.get(assignment_id, 0) - extended.get(assignment_id, 0)
        for assignment_id, course_id in due
    }
    return {assignment_id: n for assignment_id, n in counts.items() if n > 0}


def todo(user) -> list[TodoItem]:
    taught = db.select(Assignment.id).join(Course, Course.id == Assignment.course_id)
    if user.role != "admin":
        taught = taught.join(CourseStaff, CourseStaff.course_id == Course.id).where(CourseStaff.user_id == user.id)
    assignment_ids = taught.scalar_subquery()
    items = []
    waiting = dict(
        db.session.execute(
            _waiting(Submission.assignment_id, db.func.count(Submission.id))
            .where(Submission.assignment_id.in_(assignment_ids))
            .group_by(Submission.assignment_id)
        ).all()
    )
    overdue = _overdue_counts(assignment_ids, utcnow())
    ids = set(waiting) | set(overdue)
    if not ids:
        return []
    assignments = {
        a.id: a
        for a in db.session.execute(
            db.select(Assignment).where(Assignment.id.in_(ids)).order_by(Assignment.course_id, Assignment.position)
        ).scalars()
    }
    for assignment_id, assignment in assignments.items():
        if waiting.get(assignment_id):
            items.append(
                TodoItem(
                    _("“%(title)s”: hand-ins to grade", title=assignment.title),
                    url_for("assignments.grading_queue", assignment_id=assignment_id, state="to_grade"),
                    int(waiting[assignment_id]),
                    assignment.course_id,
                )
            )
        if overdue.get(assignment_id):
            items.append(
                TodoItem(
                    _("“%(title)s”: learners past the deadline without a hand-in", title=assignment.title),
                    url_for("assignments.extensions", assignment_id=assignment_id),
                    int(overdue[assignment_id]),
                    assignment.course_id,
                )
            )
    return items
