"""The plugin's part of course completion: every required, published assignment
graded (and released) at or above its pass mark."""

from __future__ import annotations

from flask import g
from flask_babel import get_locale
from flask_babel import gettext as _

from lms_core import Requirement, db, localized, path_for
from lms_core.models import Course
from lms_core.services.progress import courses_in_view, learners_in_view, view_memo

from lms_assignments import authoring, messages
from lms_assignments.models import SubmissionGrade, Submission


def requirements(user, course) -> list[Requirement]:
    """``user`` and ``course`` are the core's snapshots."""
    in_view = courses_in_view(user.id)
    if course.id in in_view:  # a dashboard: every course's assignments in one query
        authoring.course_assignments_in_transaction(course.id, also=in_view)
    worded = _worded(course.id)
    if not worded:
        return []
    best = _best_points(user.id, course.id, [assignment_id for assignment_id, _p, _m, _n in worded])
    result = []
    for assignment_id, pass_points, met, unmet in worded:
        score = best.get(assignment_id)
        result.append(met if score is not None and score >= pass_points else unmet)
    return result


def _worded(course_id: int) -> list[tuple]:
    """(assignment id, pass points, the requirement met, the same not met) per required,
    published assignment, worded once while a page works out many learners' progress:
    fifty learners ask for the same labels fifty times (and reading the rows' attributes
    again for each of them cost more than their grades). A Requirement is frozen, so
    every learner's list shares the same two."""
    assignments = authoring.course_assignments_in_transaction(course_id)
    memo = view_memo("assignments.requirement_labels")
    key = (course_id, str(get_locale()))
    hit = memo.get(key)
    if hit is not None and hit[0] is assignments:  # the same rows (one transaction)
        return hit[1]
    course_row = db.session.get(Course, course_id)  # in the identity map: no query
    worded = []
    for assignment in assignments:
        if not (assignment.published and assignment.required):
            continue
        title = localized(assignment, "title", course_row)
        if assignment.pass_points > 0:
            label = _(
                "Get at least %(points)s points for “%(title)s”",
                points=messages.number(assignment.pass_points),
                title=title,
            )
        else:
            label = _("Hand in “%(title)s” and get it graded", title=title)
        url = path_for("assignments.assignment", assignment_id=assignment.id)
        worded.append(
            (
                assignment.id,
                assignment.pass_points,
                Requirement(label=label, met=True, url=url),
                Requirement(label=label, met=False, url=url),
            )
        )
    memo[key] = (assignments, worded)
    return worded


def _best_points(user_id: int, course_id: int, assignment_ids: list[int]) -> dict[int, float]:
    """The best released grade per assignment; on a page about many learners or many
    courses (``learners_in_view``, ``courses_in_view``), read for all of them in one query."""
    user_ids = learners_in_view(course_id)
    in_view = user_id in user_ids
    if not in_view:
        user_ids = [user_id]
    many_courses = in_view and len(user_ids) == 1
    memo = g.setdefault("lms_assignments_best_points", {}) if in_view else {}
    if (course_id, user_id) not in memo:
        query = (
            db.select(Submission.user_id, Submission.assignment_id, db.func.max(SubmissionGrade.points))
            .join(SubmissionGrade, SubmissionGrade.submission_id == Submission.id)
            .where(Submission.user_id.in_(user_ids), SubmissionGrade.released_at.is_not(None))
            .group_by(Submission.user_id, Submission.assignment_id)
        )
        if many_courses:  # every course in view: their assignments are memoised already
            courses = courses_in_view(user_id)
            by_assignment = {a.id: c for c in courses for a in authoring.course_assignments_in_transaction(c)}
            found = {(c, user_id): {} for c in courses}
            query = query.where(Submission.assignment_id.in_(list(by_assignment)))
        else:
            by_assignment = dict.fromkeys(assignment_ids, course_id)
            found = {(course_id, uid): {} for uid in user_ids}
            query = query.where(Submission.assignment_id.in_(assignment_ids))
        for uid, assignment_id, points in db.session.execute(query):
            found[(by_assignment[assignment_id], uid)][assignment_id] = points
        memo.update(found)
    return memo.pop((course_id, user_id))
