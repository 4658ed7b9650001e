"""A JSON API for Grafana's Infinity data source (and any BI tool that reads JSON):
``/api/v1/analytics/...``, authenticated like the rest of the API (a personal API token,
``Authorization: Bearer ...``). Time series are arrays of ``{"time", "value"}`` rows
(ISO 8601 UTC times: Infinity's default time format), tables arrays of flat objects;
both take ``from`` and ``to`` (ISO dates, included) and an optional ``course_id``.
Teachers get their courses, admins all."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms_core import ServiceError, api_blueprint, current_user, db
from lms_core.models import Course, Quiz

from lms_analytics import dashboards, privacy
from lms_analytics.models import CourseDay, QuizScoreCount

bp = api_blueprint("analytics_api", __name__, "/api/v1/analytics")

TIMESERIES = {
    "active_learners": ("active_learners", "Learners active on the day (summed over courses)"),
    "hours": ("seconds", "Hours spent on lessons"),
    "enrolments": ("enrolments", "New enrolments"),
    "completions": ("completions", "Courses completed"),
    "lesson_completions": ("lesson_completions", "Lessons completed"),
    "attempts": ("attempts", "Quiz attempts submitted"),
}
TABLES = {
    "courses": "One row per course: activity, enrolments and completions in the range",
    "quizzes": "One row per quiz: attempts, pass rate and mean score (all attempts)",
}


def _scope() -> list[int] | None:
    if not current_user or not current_user.is_teacher:
        raise ServiceError("forbidden", _("Analytics are for teachers and administrators."), 403)
    visible = privacy.visible_course_ids(current_user)
    raw = request.args.get("course_id")
    if raw in (None, ""):
        return visible
    try:
        course_id = int(raw)
    except ValueError:
        raise ServiceError(
            "invalid", _("Please correct the marked fields."), 400, {"course_id": _("Enter a whole number.")}
        ) from None
    if db.session.get(Course, course_id) is None:
        raise ServiceError("not_found", _("No such course."), 404)
    if visible is not None and course_id not in visible:
        raise ServiceError("forbidden", _("You can see the analytics of the courses you teach only."), 403)
    return [course_id]


def _within(query, column, scope):
    return query if scope is None else query.where(column.in_(scope))


@bp.get("/metrics")
def list_metrics():
    _scope()
    return jsonify(
        [{"metric": k, "kind": "timeseries", "description": d} for k, (_c, d) in TIMESERIES.items()]
        + [{"metric": k, "kind": "table", "description": d} for k, d in TABLES.items()]
    )


@bp.get("/timeseries/<metric>")
def timeseries(metric):
    if metric not in TIMESERIES:
        raise ServiceError("not_found", _("No such metric."), 404)
    filters = dashboards.parse_filters(request.args)
    scope = _scope()
    column = getattr(CourseDay, TIMESERIES[metric][0])
    rows = dict(
        db.session.execute(
            _within(
                select(CourseDay.day, func.sum(column)).where(
                    CourseDay.day >= filters.start, CourseDay.day <= filters.end
                ),
                CourseDay.course_id,
                scope,
            ).group_by(CourseDay.day)
        ).all()
    )
    rows = {dashboards._as_date(k): v for k, v in rows.items()}
    out = []
    for day in dashboards.days(filters):
        value = int(rows.get(day) or 0)
        out.append(
            {"time": f"{day.isoformat()}T00:00:00Z", "value": round(value / 3600, 3) if metric == "hours" else value}
        )
    return jsonify(out)


@bp.get("/tables/<table>")
def table(table):
    name = table
    if name not in TABLES:
        raise ServiceError("not_found", _("No such table."), 404)
    filters = dashboards.parse_filters(request.args)
    scope = _scope()
    if name == "courses":
        rows = db.session.execute(
            _within(
                select(
                    Course.id,
                    Course.title,
                    func.coalesce(func.sum(CourseDay.seconds), 0),
                    func.coalesce(func.max(CourseDay.active_learners), 0),
                    func.coalesce(func.sum(CourseDay.enrolments), 0),
                    func.coalesce(func.sum(CourseDay.completions), 0),
                    func.coalesce(func.sum(CourseDay.attempts), 0),
                ).outerjoin(
                    CourseDay,
                    (CourseDay.course_id == Course.id)
                    & (CourseDay.day >= filters.start)
                    & (CourseDay.day <= filters.end),
                ),
                Course.id,
                scope,
            )
            .group_by(Course.id, Course.title)
            .order_by(Course.title)
        ).all()
        return jsonify(
            [
                {
                    "course_id": i,
                    "course": t,
                    "hours": round(s / 3600, 3),
                    "peak_active_learners": a,
                    "enrolments": e,
                    "completions": c,
                    "attempts": n,
                }
                for i, t, s, a, e, c, n in rows
            ]
        )
    rows = db.session.execute(
        _within(
            select(
                Quiz.id,
                Quiz.course_id,
                Quiz.title,
                func.coalesce(func.sum(QuizScoreCount.attempts), 0),
                func.coalesce(func.sum(QuizScoreCount.passed), 0),
                func.sum(QuizScoreCount.attempts * QuizScoreCount.score_milli),
                func.max(QuizScoreCount.max_score_milli),
            ).outerjoin(QuizScoreCount, (QuizScoreCount.quiz_id == Quiz.id) & (QuizScoreCount.mode == "all")),
            Quiz.course_id,
            scope,
        )
        .group_by(Quiz.id, Quiz.course_id, Quiz.title)
        .order_by(Quiz.course_id, Quiz.position)
    ).all()
    return jsonify(
        [
            {
                "quiz_id": i,
                "course_id": c,
                "quiz": t,
                "attempts": n,
                "pass_rate": round(100 * p / n, 2) if n else None,
                "mean_percent": round(100 * s / n / m, 2) if n and m else None,
            }
            for i, c, t, n, p, s, m in rows
        ]
    )
