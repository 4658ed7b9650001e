"""Grading: rubric arithmetic, the late penalty, and the grade / release / return
operations teachers perform.

Points are computed with ``Decimal`` and rounded half up to two places, so 3 × 0.1 is
0.3 and a penalty of 12.5 % on 7 points is 0.88, on every database.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _

from lms_core import ServiceError, db, events, gradebook_changed
from lms_core.models import User, utcnow
from lms_core.payloads import UserInfo

from lms_assignments import workspace
from lms_assignments.models import Assignment, SubmissionGrade, Submission
from lms_assignments.payloads import AssignmentInfo, GradeInfo, SubmissionInfo

CENT = Decimal("0.01")


def points(value) -> Decimal:
    """A number of points as an exact decimal with two places."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def rubric_max(criteria) -> Decimal:
    """The most a rubric gives: the best level of every criterion, added up."""
    return sum(
        (max((points(level.points) for level in c.levels), default=Decimal(0)) for c in criteria), Decimal(0)
    ).quantize(CENT)


def rubric_score(criteria, choices: dict) -> tuple[Decimal, list[dict]]:
    """Points for one level chosen per criterion (``{criterion_id: level_id}``), and
    the choices as a self-contained record. Every criterion must be marked."""
    errors = {}
    chosen = []
    total = Decimal(0)
    normalised = {}
    for key, value in (choices or {}).items():
        try:
            normalised[int(key)] = int(value)
        except (TypeError, ValueError):
            continue
    for criterion in criteria:
        level_id = normalised.get(criterion.id)
        level = next((lv for lv in criterion.levels if lv.id == level_id), None)
        if level is None:
            errors[f"criterion-{criterion.id}"] = _("Choose a level for “%(criterion)s”.", criterion=criterion.title)
            continue
        total += points(level.points)
        chosen.append(
            {
                "criterion_id": criterion.id,
                "criterion": criterion.title,
                "level_id": level.id,
                "level": level.title,
                "points": float(points(level.points)),
            }
        )
    if errors:
        raise ServiceError("rubric_incomplete", _("Mark every criterion of the rubric."), 400, errors)
    return total.quantize(CENT), chosen


def late_penalty(raw: Decimal, days: int, percent_per_day) -> Decimal:
    """Points taken off for ``days`` started days late: ``percent_per_day`` of the raw
    points per day, never more than the raw points."""
    if days <= 0 or not percent_per_day:
        return Decimal("0.00")
    percent = min(Decimal(100), Decimal(str(percent_per_day)) * days)
    return (raw * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_points(value, maximum: Decimal) -> Decimal:
    try:
        result = points(value)
    except (InvalidOperation, ValueError, TypeError):
        result = None
    if result is None or not result.is_finite():  # "NaN" and "Infinity" parse as Decimals
        raise ServiceError(
            "invalid_points", _("Enter the points as a number."), 400, {"points": _("Enter the points as a number.")}
        )
    if result < 0 or result > maximum:
        message = _("Between 0 and %(max)s.", max=_number(maximum))
        raise ServiceError("invalid_points", message, 400, {"points": message})
    return result


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


# --------------------------------------------------------------------------- operations


def grade_submission(
    grader: User, submission: Submission, *, score=None, levels: dict | None = None, comment: str = ""
) -> SubmissionGrade:
    """Grade (or re-grade) an attempt by rubric levels or by points. The late penalty
    is applied to the raw points. A released grade that changes is released again."""
    assignment = submission.assignment
    if submission.status == "draft":
        raise ServiceError("not_submitted", _("This attempt has not been handed in."), 409)
    if assignment.grading_mode == "rubric":
        raw, chosen = rubric_score(assignment.criteria, levels or {})
    else:
        raw, chosen = parse_points(score, points(assignment.max_points)), []
    penalty = late_penalty(raw, submission.late_days, assignment.late_penalty_percent)
    fields = dict(
        grader_id=grader.id,
        raw_points=float(raw),
        penalty_points=float(penalty),
        points=float(raw - penalty),
        rubric=chosen,
        comment=(comment or "").strip(),
        graded_at=utcnow(),
    )
    grade = submission.grade
    if grade is None:
        grade = SubmissionGrade(submission=submission, **fields)
        db.session.add(grade)
    else:
        for key, value in fields.items():
            setattr(grade, key, value)
    db.session.flush()
    if grade.released_at is not None:
        gradebook_changed(assignment.course_id, [submission.user_id])
        _emit_released(submission, grade)
    events.commit()
    workspace.waiting_changed()
    if grade.released_at is not None:
        _after_release([grade.id], updated=True)
    return grade


def release(submission: Submission) -> SubmissionGrade:
    """Show one grade to its student: notifies them, fires ``on_assignment_graded``
    and rechecks the course's completion."""
    grade = submission.grade
    if grade is None:
        raise ServiceError("not_graded", _("Grade this attempt before releasing the grade."), 409)
    if grade.released_at is not None:
        return grade
    released = db.session.execute(
        db.update(SubmissionGrade)
        .where(SubmissionGrade.id == grade.id, SubmissionGrade.released_at.is_(None))
        .values(released_at=utcnow())
    ).rowcount
    if not released:  # a concurrent release won
        db.session.rollback()
        return grade
    db.session.refresh(grade)
    gradebook_changed(submission.assignment.course_id, [submission.user_id])
    _emit_released(submission, grade)
    events.commit()
    _after_release([grade.id])
    return grade


def release_all(assignment: Assignment) -> int:
    """Release every graded, unreleased attempt of the assignment; returns how many."""
    grades = list(
        db.session.execute(
            db.select(SubmissionGrade)
            .join(Submission, Submission.id == SubmissionGrade.submission_id)
            .where(Submission.assignment_id == assignment.id, SubmissionGrade.released_at.is_(None))
            .with_for_update()
        ).scalars()
    )
    now = utcnow()
    for grade in grades:
        grade.released_at = now
    db.session.flush()
    if grades:
        gradebook_changed(assignment.course_id, [grade.submission.user_id for grade in grades])
    for grade in grades:
        _emit_released(grade.submission, grade)
    events.commit()
    _after_release([g.id for g in grades])
    return len(grades)


def _emit_released(submission: Submission, grade: SubmissionGrade) -> None:
    assignment = submission.assignment
    events.emit(
        "on_assignment_graded",
        user=UserInfo.of(submission.user),
        assignment=AssignmentInfo.of(assignment),
        submission=SubmissionInfo.of(submission),
        grade=GradeInfo.of(grade, assignment),
    )


def _after_release(grade_ids: list[int], updated: bool = False) -> None:
    # Notifications and completion checks for many students belong in one job.
    from lms_core import enqueue

    from lms_assignments import jobs

    if grade_ids:
        enqueue(jobs.grades_released, grade_ids, updated)


def return_for_resubmission(teacher: User, submission: Submission, comment: str = "", new_due=None) -> Submission:
    """Give the attempt back to the student: one more attempt is allowed beyond the
    limit, and ``new_due`` (optional) becomes the student's extended deadline."""
    from lms_assignments import authoring, jobs
    from lms_core import enqueue

    if submission.status != "submitted":
        raise ServiceError("not_returnable", _("Only a handed-in attempt can be returned."), 409)
    if submission.grade is not None and submission.grade.released_at is not None:
        raise ServiceError("already_released", _("The grade of this attempt is already released."), 409)
    submission.status = "returned"
    submission.returned_at = utcnow()
    submission.return_comment = (comment or "").strip()
    if new_due is not None:
        authoring.set_extension(teacher, submission.assignment, submission.user, new_due, commit=False)
    events.commit()
    workspace.waiting_changed()
    enqueue(jobs.submission_returned, submission.id)
    return submission
