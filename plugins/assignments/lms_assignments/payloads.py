"""Read-only snapshots passed to the plugin's hooks. Fields are only ever added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    course_id: int
    title: str
    due_at: datetime
    max_points: float
    pass_points: float
    grading_mode: str
    anonymous: bool
    required: bool

    @classmethod
    def of(cls, assignment) -> "AssignmentInfo":
        return cls(
            assignment.id,
            assignment.course_id,
            assignment.title,
            assignment.due_at,
            assignment.max_points,
            assignment.pass_points,
            assignment.grading_mode,
            assignment.anonymous,
            assignment.required,
        )


@dataclass(frozen=True)
class SubmissionInfo:
    id: int | None
    assignment_id: int
    user_id: int
    number: int
    status: str
    submitted_at: datetime | None
    late_days: int
    file_names: tuple[str, ...]
    links: tuple[str, ...]
    has_text: bool

    @classmethod
    def of(cls, submission) -> "SubmissionInfo":
        return cls(
            submission.id,
            submission.assignment_id,
            submission.user_id,
            submission.number,
            submission.status,
            submission.submitted_at,
            submission.late_days,
            tuple(f.original_name for f in submission.files),
            tuple(link.url for link in submission.links),
            bool((submission.text or "").strip()),
        )


@dataclass(frozen=True)
class GradeInfo:
    id: int
    submission_id: int
    raw_points: float
    penalty_points: float
    points: float
    max_points: float
    passed: bool
    released_at: datetime | None

    @classmethod
    def of(cls, grade, assignment) -> "GradeInfo":
        return cls(
            grade.id,
            grade.submission_id,
            grade.raw_points,
            grade.penalty_points,
            grade.points,
            assignment.max_points,
            grade.points >= assignment.pass_points,
            grade.released_at,
        )
