"""What this plugin gives the analytics plugin (its optional hook
``lms_analytics_assignment_stats``): per assignment, who handed in, who was late, the
released grades and the rubric criteria's mean points. Analytics never reads these
tables itself."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from lms_core import db

from lms_assignments.models import Assignment, RubricCriterion, RubricLevel, Submission, SubmissionGrade


def assignment_stats(course) -> list:
    from lms_analytics.panels import AssignmentStats  # only called when the analytics plugin is there

    assignments = (
        db.session.execute(
            select(Assignment)
            .where(Assignment.course_id == course.id, Assignment.published.is_(True))
            .order_by(Assignment.position, Assignment.id)
        )
        .scalars()
        .all()
    )
    if not assignments:
        return []
    ids = [a.id for a in assignments]
    submitted, late = defaultdict(set), defaultdict(set)
    for assignment_id, user_id, late_days in db.session.execute(
        select(Submission.assignment_id, Submission.user_id, Submission.late_days).where(
            Submission.assignment_id.in_(ids), Submission.submitted_at.is_not(None)
        )
    ):
        submitted[assignment_id].add(user_id)
        if late_days:
            late[assignment_id].add(user_id)
    # each learner's latest released grade
    latest = {}
    for assignment_id, user_id, number, points, rubric in db.session.execute(
        select(
            Submission.assignment_id,
            Submission.user_id,
            Submission.number,
            SubmissionGrade.points,
            SubmissionGrade.rubric,
        )
        .join(SubmissionGrade, SubmissionGrade.submission_id == Submission.id)
        .where(Submission.assignment_id.in_(ids), SubmissionGrade.released_at.is_not(None))
    ):
        key = (assignment_id, user_id)
        if key not in latest or latest[key][0] < number:
            latest[key] = (number, points, rubric or [])
    criteria = defaultdict(list)
    for criterion in db.session.execute(
        select(RubricCriterion).where(RubricCriterion.assignment_id.in_(ids)).order_by(RubricCriterion.position)
    ).scalars():
        top = db.session.execute(
            select(RubricLevel.points)
            .where(RubricLevel.criterion_id == criterion.id)
            .order_by(RubricLevel.points.desc())
            .limit(1)
        ).scalar_one_or_none()
        criteria[criterion.assignment_id].append((criterion.id, criterion.title, top or 0.0))
    out = []
    for a in assignments:
        grades = [(p, r) for (aid, _u), (_n, p, r) in latest.items() if aid == a.id]
        means = {}
        for criterion_id, title, top in criteria.get(a.id, []):
            chosen = [
                float(item["points"])
                for _p, rubric in grades
                for item in rubric
                if item.get("criterion_id") == criterion_id
            ]
            if chosen:
                means[title] = (sum(chosen) / len(chosen), float(top))
        out.append(
            AssignmentStats(
                a.id,
                a.title,
                float(a.max_points),
                len(submitted[a.id]),
                len(late[a.id]),
                [float(p) for p, _r in grades],
                means,
            )
        )
    return out
