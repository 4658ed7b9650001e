"""Assignment statistics, from whichever plugin answers ``lms_analytics_assignment_stats``
(the assignments plugin): this plugin never reads another plugin's tables."""

from __future__ import annotations

import statistics as pystats

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms_core import db
from lms_core.payloads import CourseInfo

from lms_analytics.dashboards import Series
from lms_analytics.models import LearnerCourse
from lms_analytics.panels import AssignmentStats

GRADE_BINS = 10


def collect(course) -> list[dict]:
    learners = db.session.execute(
        select(func.count()).select_from(LearnerCourse).where(LearnerCourse.course_id == course.id)
    ).scalar_one()
    rows = []
    for result in current_app.extensions["lms_plugins"].call_each(
        "lms_analytics_assignment_stats", course=CourseInfo.of(course)
    ):
        for stat in result:
            if not isinstance(stat, AssignmentStats):
                continue
            grades = [float(g) for g in stat.grades]
            rows.append(
                {
                    "stat": stat,
                    "learners": learners,
                    "hand_in_rate": (100 * stat.submitted_learners / learners) if learners else None,
                    "late_rate": (100 * stat.late_learners / stat.submitted_learners)
                    if stat.submitted_learners
                    else None,
                    "mean": pystats.fmean(grades) if grades else None,
                    "median": pystats.median(grades) if grades else None,
                    "distribution": _bins(grades, stat.max_points),
                    "criteria": [{"title": t, "mean": m, "max": mx} for t, (m, mx) in stat.criteria.items()],
                }
            )
    return rows


def _bins(grades, max_points) -> list[int]:
    counts = [0] * GRADE_BINS
    for grade in grades:
        share = grade / max_points if max_points else 0
        counts[min(GRADE_BINS - 1, max(0, int(share * GRADE_BINS)))] += 1
    return counts


def series(rows) -> list[Series]:
    rates = Series(
        "assignment_rates",
        _("Hand-in and late rates"),
        "bar",
        [_("Assignment"), _("Handed in (percent of learners)"), _("Late (percent of hand-ins)")],
        [[r["stat"].title, _r(r["hand_in_rate"]), _r(r["late_rate"])] for r in rows],
    )
    grades = Series(
        "assignment_grades",
        _("Grade distribution"),
        "stacked",
        [_("Assignment")] + [f"{10 * i}-{10 * (i + 1)}%" for i in range(GRADE_BINS)],
        [[r["stat"].title, *r["distribution"]] for r in rows],
    )
    criteria = Series(
        "rubric_criteria",
        _("Rubric criteria averages"),
        "bar",
        [_("Criterion"), _("Mean points"), _("Maximum points")],
        [[f"{r['stat'].title}: {c['title']}", _r(c["mean"], 2), c["max"]] for r in rows for c in r["criteria"]],
    )
    return [rates, grades, criteria]


def _r(value, digits=1):
    return None if value is None else round(value, digits)
