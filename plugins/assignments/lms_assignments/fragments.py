"""What the plugin adds to the core's pages: the course page's list of assignments
and the dashboard's upcoming deadlines (``lms_dashboard_upcoming``)."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for

from lms_core import can, db, localized, render_fragment
from lms_core.models import Course, User, utcnow

from lms_assignments import authoring, deadlines, submissions
from lms_assignments.models import Assignment

UPCOMING = timedelta(days=14)
RECENT = timedelta(days=60)  # older deadlines stay off the dashboard even within a late window


def course_fragment(user, course) -> list:
    if user is None:
        return []
    viewer = db.session.get(User, user.id)
    course_row = db.session.get(Course, course.id)
    staff = can(viewer, "assignments.manage", course_row)
    items = authoring.course_assignments_in_transaction(course.id)
    if not staff:
        items = [a for a in items if a.published and can(viewer, "assignments.view", a)]
    if not items and not staff:
        return []
    rows = [
        (
            a,
            None if staff else deadlines.student_deadline(a, viewer.id),
            None if staff else submissions.student_state(a, viewer.id),
        )
        for a in items
    ]
    return [
        render_fragment(
            "assignments/_course_fragment.html", course=course_row, rows=rows, staff=staff, localized=localized
        )
    ]


def dashboard_upcoming(user, course_ids, taught_course_ids=()) -> list:
    """A student's assignments due in the next two weeks (or past due but still
    accepted) and not handed in yet, for the dashboard's "Coming up" list
    (``lms_dashboard_upcoming``): three queries however many assignments. In the
    courses the user teaches: the deadlines of the next two weeks and the past ones
    with hand-ins to grade, opening the grading queue (two queries)."""
    if user is None:
        return []
    items = taught_upcoming(taught_course_ids) if taught_course_ids else []
    return items + learner_upcoming(user, course_ids) if course_ids else items


def taught_upcoming(course_ids) -> list:
    from lms_core import UpcomingItem, gettext as _

    from lms_assignments.models import Submission
    from lms_assignments.workspace import _waiting

    now = utcnow()
    assignments = (
        db.session.execute(
            db.select(Assignment)
            .where(
                Assignment.course_id.in_(list(course_ids)),
                Assignment.published.is_(True),
                Assignment.due_at < now + UPCOMING,
                Assignment.due_at > now - RECENT,
            )
            .order_by(Assignment.due_at)
        )
        .scalars()
        .all()
    )
    if not assignments:
        return []
    waiting = dict(
        db.session.execute(
            _waiting(Submission.assignment_id, db.func.count(Submission.id))
            .where(Submission.assignment_id.in_([a.id for a in assignments]))
            .group_by(Submission.assignment_id)
        ).all()
    )
    return [
        UpcomingItem(
            UpcomingItem.DEADLINE,
            localized(assignment, "title", assignment.course),
            url_for("assignments.grading_queue", assignment_id=assignment.id),
            assignment.due_at,
            course_id=assignment.course_id,
            label=_("Assignment"),
            note=_("To grade: %(num)d", num=waiting[assignment.id]) if waiting.get(assignment.id) else "",
        )
        for assignment in assignments
        if assignment.due_at > now or waiting.get(assignment.id)
    ]


def learner_upcoming(user, course_ids) -> list:
    from lms_core import UpcomingItem, gettext as _

    from lms_assignments.views import assignment_state_label

    now = utcnow()
    assignments = (
        db.session.execute(
            db.select(Assignment)
            .join(Course, Course.id == Assignment.course_id)
            .where(
                Assignment.course_id.in_(course_ids),
                Assignment.published.is_(True),
                Course.published.is_(True),
                Assignment.due_at < now + UPCOMING,
                Assignment.due_at > now - RECENT,
            )
            .order_by(Assignment.due_at)
        )
        .scalars()
        .all()
    )
    items = []
    for assignment, (deadline, state) in zip(assignments, submissions.deadlines_and_states(assignments, user.id, now)):
        if state in ("not_started", "draft", "returned") and deadline.accepts(now):
            items.append(
                UpcomingItem(
                    UpcomingItem.DEADLINE,
                    localized(assignment, "title", assignment.course),
                    url_for("assignments.assignment", assignment_id=assignment.id),
                    deadline.due_at,
                    course_id=assignment.course_id,
                    label=_("Assignment"),
                    note="" if state == "not_started" else assignment_state_label(state),
                )
            )
    return items
