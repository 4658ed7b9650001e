"""Texts of the plugin's notifications. Each kind keeps what it was made from in its
params and is drawn from them in the language (and time zone) of whoever reads it
(``lms_notification_texts``); ``notify`` draws it the same way, in the recipient's
language, when it is written. The assignment's title is kept as the recipient reads
the course (its translation in their language, for the scenarios' templates) and in
every language of the course (``name_params``), so each reader sees it in theirs."""

from __future__ import annotations

from babel.dates import format_datetime as babel_format_datetime
from flask import current_app
from flask_babel import gettext as _, ngettext

from lms_core import moment_param, name_params, notification_name, notification_when

from lms_assignments import deadlines

REMINDER = "assignments.reminder"
MISSING = "assignments.missing"
GRADE_RELEASED = "assignments.grade_released"
RETURNED = "assignments.returned"
RECEIVED = "assignments.submission_received"
DIGEST = "assignments.hand_in_digest"


def when_for(user, moment) -> str:
    """``moment`` as the recipient reads dates: their language, their time zone (for the
    notification scenario's templates, which have no reader)."""
    locale = user.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]
    tz = deadlines.zone(user.timezone or current_app.config["LMS_DEFAULT_TIMEZONE"])
    return babel_format_datetime(moment, "medium", tzinfo=tz, locale=locale)


def number(value: float) -> str:
    from babel.numbers import format_decimal
    from flask_babel import get_locale

    return format_decimal(value, locale=str(get_locale() or "en"))


def _hours(hours: int) -> str:
    if hours % 24 == 0:
        return ngettext("%(num)d day", "%(num)d days", hours // 24)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


# ------------------------------------------------------------------ the params kept


def reminder_params(user, assignment, due_at, hours: int) -> dict:
    from flask_babel import force_locale

    with force_locale(user.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]):
        return {
            **name_params("assignment", assignment, user),
            "due_at": when_for(user, due_at),  # for the scenario's templates
            "due_at_utc": moment_param(due_at),
            "hours": _hours(hours),
            "hours_before": hours,
        }


def missing_params(teacher, assignment, missing: list[tuple[str, object]]) -> dict:
    """``missing``: (student name, extended deadline or ``None``) pairs."""
    return {
        **name_params("assignment", assignment, teacher),
        "count": len(missing),
        "students": "\n".join(name for name, _extended in missing),
        "missing": [{"name": name, "extended_utc": moment_param(extended)} for name, extended in missing],
    }


# ------------------------------------------------------------------ the texts shown


def reminder_texts(params: dict) -> tuple[str, str]:
    when = notification_when(params.get("due_at_utc"), params.get("due_at", ""))
    hours = params.get("hours_before")
    return (
        _("Reminder: “%(title)s” is due on %(when)s", title=notification_name(params, "assignment"), when=when),
        _(
            "You have not handed it in yet. The deadline is in %(hours)s.",
            hours=_hours(hours) if isinstance(hours, int) and hours > 0 else params.get("hours", ""),
        ),
    )


def missing_texts(params: dict) -> tuple[str, str]:
    count = params.get("count", 0)
    heading = ngettext(
        "“%(title)s”: %(num)d student has not handed in",
        "“%(title)s”: %(num)d students have not handed in",
        count,
        title=notification_name(params, "assignment"),
    )
    if "missing" not in params:  # an older row: the names as they were kept
        return heading, params.get("students", "")
    lines = []
    for entry in params["missing"]:
        if entry.get("extended_utc"):
            when = notification_when(entry["extended_utc"])
            lines.append(_("%(name)s (extension until %(when)s)", name=entry.get("name", ""), when=when))
        else:
            lines.append(entry.get("name", ""))
    return heading, "\n".join(lines)


def grade_released_texts(params: dict) -> tuple[str, str]:
    title = notification_name(params, "assignment")
    if params.get("updated"):
        heading = _("Your grade for “%(title)s” was changed", title=title)
    else:
        heading = _("Your grade for “%(title)s” is out", title=title)
    points, max_points = params.get("points"), params.get("max_points")
    if points is None or max_points is None:
        return heading, ""
    return heading, _("%(points)s of %(max)s points.", points=number(points), max=number(max_points))


def returned_texts(params: dict) -> tuple[str, str]:
    return (
        _("“%(title)s” was returned to you for resubmission", title=notification_name(params, "assignment")),
        params.get("comment") or _("Read the comments and hand in a new attempt."),
    )


def received_texts(params: dict) -> tuple[str, str]:
    return (
        _(
            "%(name)s handed in “%(title)s”",
            name=params.get("student", ""),
            title=notification_name(params, "assignment"),
        ),
        _("Attempt %(number)d.", number=int(params.get("number") or 1)),
    )


def digest_texts(params: dict) -> tuple[str, str]:
    total = int(params.get("count") or 0)
    lines = params.get("assignments") or []
    return (
        ngettext("%(num)d new hand-in today", "%(num)d new hand-ins today", total),
        "\n".join(
            _("“%(title)s”: %(num)d", title=notification_name(line, "title"), num=line.get("count", 0))
            for line in lines
        ),
    )


def texts() -> dict:
    return {
        REMINDER: reminder_texts,
        MISSING: missing_texts,
        GRADE_RELEASED: grade_released_texts,
        RETURNED: returned_texts,
        RECEIVED: received_texts,
        DIGEST: digest_texts,
    }
