"""What other plugins hand to the dashboards through the analytics hooks."""

from __future__ import annotations

from dataclasses import dataclass, field

CHART_KINDS = ("bar", "line")


@dataclass(frozen=True)
class Panel:
    """A chart and its table: ``columns`` are the headings (the first is the x axis),
    ``rows`` lists of values (numbers after the first column)."""

    key: str
    title: str
    kind: str = "bar"
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class AssignmentStats:
    """One assignment of a course, as the assignments plugin reports it. ``grades`` are
    the released grades in points; ``criteria`` maps a rubric criterion's title to
    ``(mean points, max points)``."""

    assignment_id: int
    title: str
    max_points: float
    submitted_learners: int
    late_learners: int
    grades: list = field(default_factory=list)
    criteria: dict = field(default_factory=dict)
