"""Texts of the plugin's notifications, written in each recipient's language and
time zone (a job has no request, and a teacher's request is not the student's)."""

from __future__ import annotations

from babel.dates import format_datetime as babel_format_datetime
from flask import current_app
from flask_babel import gettext as _

from lms_core import ContentTranslations

from lms_assignments import deadlines


def when_for(user, moment) -> str:
    """``moment`` as the recipient reads dates: their language, their time zone."""
    locale = user.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]
    tz = deadlines.zone(user.timezone or current_app.config["LMS_DEFAULT_TIMEZONE"])
    return babel_format_datetime(moment, "medium", tzinfo=tz, locale=locale)


def title_for(user, assignment) -> str:
    language = user.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]
    return ContentTranslations(assignment.course, language).get(assignment, "title")


def number(value: float) -> str:
    from babel.numbers import format_decimal
    from flask_babel import get_locale

    return format_decimal(value, locale=str(get_locale() or "en"))


def reminder(user, assignment, due_at, hours: int):
    title = title_for(user, assignment)
    return (
        lambda: _("Reminder: “%(title)s” is due on %(when)s", title=title, when=when_for(user, due_at)),
        lambda: _("You have not handed it in yet. The deadline is in %(hours)s.", hours=_hours(hours)),
    )


def reminder_params(user, assignment, due_at, hours: int) -> dict:
    """The values of a reminder, for the notification's templates (in the user's language)."""
    from flask_babel import force_locale

    with force_locale(user.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]):
        return {
            "assignment": title_for(user, assignment),
            "due_at": when_for(user, due_at),
            "hours": _hours(hours),
            "hours_before": hours,
        }


def _hours(hours: int) -> str:
    from flask_babel import ngettext

    if hours % 24 == 0:
        return ngettext("%(num)d day", "%(num)d days", hours // 24)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def grade_released(user, assignment, grade, updated: bool):
    title = title_for(user, assignment)
    if updated:
        heading = lambda: _("Your grade for “%(title)s” was changed", title=title)  # noqa: E731
    else:
        heading = lambda: _("Your grade for “%(title)s” is out", title=title)  # noqa: E731
    return (
        heading,
        lambda: _("%(points)s of %(max)s points.", points=number(grade.points), max=number(assignment.max_points)),
    )


def returned(user, assignment, submission):
    title = title_for(user, assignment)
    return (
        lambda: _("“%(title)s” was returned to you for resubmission", title=title),
        lambda: submission.return_comment or _("Read the comments and hand in a new attempt."),
    )


def received(student, title: str, number: int):
    return (
        lambda: _("%(name)s handed in “%(title)s”", name=student.name, title=title),
        lambda: _("Attempt %(number)d.", number=number),
    )


def missing_alert(teacher, assignment, missing: list[tuple[str, object]]):
    """``missing``: (student name, extended deadline or ``None``) pairs."""
    title = title_for(teacher, assignment)

    def body():
        lines = []
        for name, extended in missing:
            if extended is not None:
                lines.append(_("%(name)s (extension until %(when)s)", name=name, when=when_for(teacher, extended)))
            else:
                lines.append(name)
        return "\n".join(lines)

    def heading():
        from flask_babel import ngettext

        return ngettext(
            "“%(title)s”: %(num)d student has not handed in",
            "“%(title)s”: %(num)d students have not handed in",
            len(missing),
            title=title,
        )

    return heading, body
