"""The dashboards: course overview, quiz and assignment statistics, one learner across
courses, the platform. Teachers see the courses they teach, admins everything. Every
chart's data can be had as CSV (``?format=csv&series=<key>``)."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core import ServiceError, current_user, db, login_required, name_params, notify, require
from lms_core.models import Course, Quiz, User
from lms_core.payloads import CourseInfo

from lms_analytics import dashboards, health, privacy, quizfold, quizreport
from lms_analytics.models import CourseSettings, LearnerCourse
from lms_analytics.panels import Panel

bp = Blueprint(
    "analytics",
    __name__,
    url_prefix="/analytics",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

MESSAGE_MAX = 2000


def _course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    if not privacy.can_view(current_user, course.id):
        raise ServiceError("forbidden", _("You can see the analytics of the courses you teach only."), 403)
    return course


def _staff_only():
    if not current_user or not current_user.is_teacher:
        raise ServiceError("forbidden", _("Analytics are for teachers and administrators."), 403)


def _csv(series_list):
    wanted = request.args.get("series", "")
    chosen = next((s for s in series_list if s.key == wanted), None)
    if chosen is None:
        raise ServiceError("not_found", _("No such chart."), 404)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in chosen.columns])
    writer.writerows(chosen.rows)
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{chosen.key}.csv"'}
    )


def _panels(course: Course) -> list:
    from flask import current_app

    found = []
    for result in current_app.extensions["lms_plugins"].call_each("lms_analytics_panels", course=CourseInfo.of(course)):
        found.extend(p for p in result if isinstance(p, Panel))
    return [
        dashboards.Series(
            f"panel_{p.key}", str(p.title), p.kind, [str(c) for c in p.columns], [list(r) for r in p.rows], str(p.note)
        )
        for p in found
    ]


@bp.get("/")
@login_required
def index():
    _staff_only()
    return render_template("analytics/index.html", courses=privacy.visible_courses(current_user))


@bp.get("/courses/<int:course_id>")
@login_required
def course_overview(course_id):
    course = _course(course_id)
    filters = dashboards.parse_filters(request.args)
    data = dashboards.course_overview(course, filters)
    series = data["series"] + _panels(course)
    if request.args.get("format") == "csv":
        return _csv(series)
    return render_template(
        "analytics/course.html",
        course=course,
        filters=filters,
        series=series,
        at_risk=data["at_risk"],
        reasons=dashboards.REASONS,
        settings=dashboards.settings_of(course.id),
        cohorts=dashboards.cohorts(course.id),
        quizzes=[q for q in course.quizzes],
    )


@bp.post("/courses/<int:course_id>/settings")
@login_required
def course_settings(course_id):
    course = _course(course_id)
    errors = {}
    values = {}
    for name, low, high in (("inactive_days", 1, 365), ("pace_days", 1, 3650)):
        try:
            values[name] = int(request.form.get(name, ""))
            if not low <= values[name] <= high:
                raise ValueError
        except ValueError:
            errors[name] = _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
    if errors:
        raise ServiceError(
            "invalid", _("Please correct the marked fields.") + " " + " ".join(errors.values()), 400, errors
        )
    found = db.session.get(CourseSettings, course.id) or CourseSettings(course_id=course.id)
    found.inactive_days, found.pace_days = values["inactive_days"], values["pace_days"]
    db.session.add(found)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("analytics.course_overview", course_id=course.id) + "#at-risk", 303)


@bp.route("/courses/<int:course_id>/learners/<int:user_id>/message", methods=["GET", "POST"])
@login_required
def message(course_id, user_id):
    """Write to a learner of the course: the message goes to their inbox (and the
    channels they use) through the core's notifications."""
    course = _course(course_id)
    learner = db.session.get(LearnerCourse, (course.id, user_id))
    if learner is None:
        raise ServiceError("not_found", _("This person is not a learner of this course."), 404)
    user = db.session.get(User, user_id)
    name = privacy.label(user.id, user.name, privacy.hidden_among([user.id]))
    error = None
    if request.method == "POST":
        body = (request.form.get("body") or "").strip()
        if not body:
            error = _("Write a message.")
        elif len(body) > MESSAGE_MAX:
            error = _("Keep the message under %(n)s characters.", n=MESSAGE_MAX)
        else:
            from lms_analytics.notices import MESSAGE, message_title

            params = {
                "course_id": course.id,
                "sender_id": current_user.id,
                "sender": current_user.name,
                **name_params("course", course, user),
            }
            notify(
                user,
                MESSAGE,
                lambda: message_title(params),
                body,  # the teacher's own words: shown as written
                url=url_for("catalogue.course", slug=course.slug),
                params=params,
            )
            flash(_("Message sent."), "success")
            return redirect(url_for("analytics.course_overview", course_id=course.id) + "#at-risk", 303)
    status = 400 if error else 200
    return render_template(
        "analytics/message.html", course=course, name=name, error=error, body=request.form.get("body", "")
    ), status


@bp.get("/courses/<int:course_id>/quizzes/<int:quiz_id>")
@login_required
def quiz_statistics(course_id, quiz_id):
    course = _course(course_id)
    quiz = db.get_or_404(Quiz, quiz_id)
    if quiz.course_id != course.id:
        raise ServiceError("not_found", _("No such quiz."), 404)
    mode = request.args.get("attempts", "first")
    if mode not in ("first", "all"):
        raise ServiceError("invalid", _("Choose first attempts or all attempts."), 400)
    data = quizreport.report(quiz, mode)
    distribution = dashboards.Series(
        "score_distribution",
        _("Score distribution"),
        "bar",
        [_("Score (percent of the maximum)"), _("Attempts")],
        [[f"{b['from']:.0f}-{b['to']:.0f}%", b["attempts"]] for b in data["summary"]["distribution"]],
    )
    facility = dashboards.Series(
        "facility",
        _("Facility and discrimination"),
        "bar",
        [_("Question"), _("Facility index (%)"), _("Discrimination index (%)")],
        [[f"Q{r['position']}", _round(r["facility"]), _round(r["discrimination_index"])] for r in data["questions"]],
    )
    if request.args.get("format") == "csv":
        return _csv([distribution, facility])
    return render_template(
        "analytics/quiz.html", course=course, quiz=quiz, data=data, mode=mode, series=[distribution, facility]
    )


@bp.post("/courses/<int:course_id>/quizzes/<int:quiz_id>/recalculate")
@login_required
def recalculate(course_id, quiz_id):
    course = _course(course_id)
    quiz = db.get_or_404(Quiz, quiz_id)
    if quiz.course_id != course.id:
        raise ServiceError("not_found", _("No such quiz."), 404)
    quizfold.rebuild_quizzes(quiz.id)
    flash(_("The statistics were recalculated from every attempt."), "success")
    return redirect(url_for("analytics.quiz_statistics", course_id=course.id, quiz_id=quiz.id), 303)


def _round(value, digits=1):
    return None if value is None else round(value, digits)


@bp.get("/courses/<int:course_id>/assignments")
@login_required
def assignment_statistics(course_id):
    from flask import current_app

    from lms_analytics import assignments

    course = _course(course_id)
    manager = current_app.extensions["lms_plugins"]
    provided = bool(manager.pm.hook.lms_analytics_assignment_stats.get_hookimpls())
    stats = assignments.collect(course) if provided else []
    series = assignments.series(stats)
    if request.args.get("format") == "csv":
        return _csv(series)
    return render_template("analytics/assignments.html", course=course, provided=provided, stats=stats, series=series)


@bp.get("/learners/<int:user_id>")
@login_required
def learner(user_id):
    _staff_only()
    user = db.get_or_404(User, user_id)
    rows = dashboards.learner_view(current_user, user)
    if not rows and not current_user.is_admin:
        raise ServiceError("forbidden", _("This person is not a learner of a course you teach."), 403)
    name = privacy.label(user.id, user.name, privacy.hidden_among([user.id]))
    return render_template("analytics/learner.html", learner=user, name=name, rows=rows)


@bp.get("/platform")
@login_required
def platform():
    require("admin.access")
    filters = dashboards.parse_filters(request.args)
    data = dashboards.platform_overview(filters)
    if request.args.get("format") == "csv":
        return _csv(data["series"])
    return render_template(
        "analytics/platform.html",
        filters=filters,
        series=data["series"],
        distinct_active=data["distinct_active"],
        plugins=health.plugins(),
        jobs=health.jobs(),
        deliveries=health.event_failures(),
    )


def chart_json(series) -> str:
    """The chart's data for ``data-chart`` (drawn by analytics.js; no inline script);
    the x labels are formatted in the viewer's language."""
    import json

    from flask_babel import format_date

    def label(value):
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":
            try:
                return format_date(date.fromisoformat(value), "medium")
            except ValueError:
                return value
        return str(value)

    return json.dumps(
        {
            "key": series.key,
            "kind": series.kind,
            "columns": [str(c) for c in series.columns],
            "labels": [label(r[0]) for r in series.rows],
            "rows": series.rows,
            "title": str(series.title),
        }
    )


@bp.context_processor
def _helpers():
    from flask_babel import format_date, format_datetime, format_decimal, get_timezone

    return {
        "chart_json": chart_json,
        "isodate": date.fromisoformat,
        "format_date": format_date,
        "format_datetime": format_datetime,
        "format_decimal": format_decimal,
        "current_timezone": str(get_timezone()),
    }
