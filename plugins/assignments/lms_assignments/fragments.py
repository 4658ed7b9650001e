"""What the plugin adds to the core's pages: the course page's list of assignments
and the dashboard's upcoming deadlines."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from markupsafe import Markup

from lms_core import can, db, localized, render_fragment
from lms_core.models import Course, Enrollment, User, utcnow

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


def dashboard_fragment(user) -> list:
    """A student's assignments due in the next two weeks and not handed in yet."""
    if user is None:
        return []
    now = utcnow()
    assignments = (
        db.session.execute(
            db.select(Assignment)
            .join(Enrollment, Enrollment.course_id == Assignment.course_id)
            .join(Course, Course.id == Assignment.course_id)
            .where(
                Enrollment.user_id == user.id,
                Enrollment.status == "active",
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
    rows = []
    for assignment, (deadline, state) in zip(assignments, submissions.deadlines_and_states(assignments, user.id, now)):
        if state in ("not_started", "draft", "returned") and deadline.accepts(now):
            rows.append((assignment, deadline, state))
    if not rows:
        return []
    return [Markup(render_template("assignments/_dashboard_fragment.html", rows=rows))]
