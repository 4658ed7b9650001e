"""What learners are told, and the notification scenarios the notifications plugin
reads (``lms_notification_scenarios``). Times are written in each recipient's own
time zone and language; ``params`` carry the same values for the scenario templates."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l

from lms_core import db, notification_name, notify
from lms_core.models import Course, User

from lms_core import path_for

SCHEDULED = "zoom.session_scheduled"
MOVED = "zoom.session_moved"
CANCELLED = "zoom.session_cancelled"
STARTING = "zoom.session_starting"
KINDS = {"scheduled": SCHEDULED, "moved": MOVED, "cancelled": CANCELLED, "starting": STARTING}


def when(user: User, value) -> str:
    """``value`` in the user's time zone and language, with the zone's name."""
    zone = ZoneInfo(user.timezone or current_app.config["LMS_DEFAULT_TIMEZONE"])
    locale = user.locale or current_app.config["LMS_DEFAULT_LANGUAGE"]
    return format_datetime(value, "d MMMM y, HH:mm zzzz", tzinfo=zone, locale=locale)


def send(user: User, kind: str, session, occurrence) -> None:
    """One notification (``kind``: scheduled, moved, cancelled, starting)."""
    from lms_core import moment_param, name_params

    course = db.session.get(Course, session.course_id)
    params = {
        "title": session.title,
        **name_params("course", course, user),
        "starts_at": when(user, occurrence.starts_at) if occurrence is not None else "",  # the scenario's templates
        "starts_at_utc": moment_param(occurrence.starts_at) if occurrence is not None else "",
        "duration": session.duration_minutes,
        "provider": session.provider,
    }
    notify(user, KINDS[kind], url=path_for("zoom.session", session_id=session.id), params=params)


def _when_shown(params: dict) -> str:
    from lms_core import notification_when

    return notification_when(params.get("starts_at_utc"), params.get("starts_at", ""))


def scheduled_texts(params: dict) -> tuple[str, str]:
    """Each kind's texts, in the language of whoever reads them (``lms_notification_texts``)."""
    return (
        _("Live lecture scheduled: “%(title)s”", title=params.get("title", "")),
        _(
            "A live lecture of “%(course)s” is scheduled for %(when)s. Join it from the course page when it starts.",
            course=notification_name(params, "course"),
            when=_when_shown(params),
        ),
    )


def moved_texts(params: dict) -> tuple[str, str]:
    return (
        _("Live lecture moved: “%(title)s”", title=params.get("title", "")),
        _(
            "The live lecture “%(title)s” of “%(course)s” now starts %(when)s.",
            title=params.get("title", ""),
            course=notification_name(params, "course"),
            when=_when_shown(params),
        ),
    )


def cancelled_texts(params: dict) -> tuple[str, str]:
    return (
        _("Live lecture cancelled: “%(title)s”", title=params.get("title", "")),
        _(
            "The live lecture “%(title)s” of “%(course)s” is cancelled.",
            title=params.get("title", ""),
            course=notification_name(params, "course"),
        ),
    )


def starting_texts(params: dict) -> tuple[str, str]:
    return (
        _("Live lecture “%(title)s” starts soon", title=params.get("title", "")),
        _(
            "The live lecture “%(title)s” of “%(course)s” starts at %(when)s. Join it from the session page.",
            title=params.get("title", ""),
            course=notification_name(params, "course"),
            when=_when_shown(params),
        ),
    )


def texts() -> dict:
    return {SCHEDULED: scheduled_texts, MOVED: moved_texts, CANCELLED: cancelled_texts, STARTING: starting_texts}


_SAMPLE = {
    "title": "Python 101: loops",
    "course": "Python 101",
    "starts_at": "3 December 2026, 10:00 CET",
    "duration": 90,
    "provider": "jitsi",
}


def scenarios() -> list[dict]:
    """The four scenarios of the notification contract (docs: SCENARIOS)."""
    return [
        {
            "name": SCHEDULED,
            "label": _l("Live lecture scheduled"),
            "description": _l("Sent to the learners of a course when a live lecture is scheduled."),
            "audience": "learner",
            "channels": ["email", "push"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("Live lecture scheduled: “{{ title }}”"),
                "text": _l(
                    "A live lecture of “{{ course }}” is scheduled for {{ starts_at }}. Join it from the course "
                    "page when it starts: {{ url }}"
                ),
                "short": _l("Live lecture “{{ title }}”: {{ starts_at }}"),
            },
            "sample": _SAMPLE,
        },
        {
            "name": MOVED,
            "label": _l("Live lecture moved"),
            "description": _l("Sent when a live lecture is rescheduled."),
            "audience": "learner",
            "channels": ["email", "push"],
            "frequency": "immediately",
            "urgent": True,
            "templates": {
                "subject": _l("Live lecture moved: “{{ title }}”"),
                "text": _l("The live lecture “{{ title }}” of “{{ course }}” now starts {{ starts_at }}. {{ url }}"),
                "short": _l("“{{ title }}” moved to {{ starts_at }}"),
            },
            "sample": _SAMPLE,
        },
        {
            "name": CANCELLED,
            "label": _l("Live lecture cancelled"),
            "description": _l("Sent when a teacher cancels a live lecture."),
            "audience": "learner",
            "channels": ["email", "push"],
            "frequency": "immediately",
            "urgent": True,
            "templates": {
                "subject": _l("Live lecture cancelled: “{{ title }}”"),
                "text": _l("The live lecture “{{ title }}” of “{{ course }}” is cancelled."),
                "short": _l("“{{ title }}” is cancelled"),
            },
            "sample": _SAMPLE,
        },
        {
            "name": STARTING,
            "label": _l("Live lecture starts soon"),
            "description": _l("Sent 15 minutes before a live lecture starts."),
            "audience": "learner",
            "channels": ["push", "email"],
            "frequency": "immediately",
            "urgent": True,
            "templates": {
                "subject": _l("Live lecture “{{ title }}” starts at {{ starts_at }}"),
                "text": _l(
                    "The live lecture “{{ title }}” of “{{ course }}” starts at {{ starts_at }}. Join it here: "
                    "{{ url }}"
                ),
                "short": _l("“{{ title }}” starts at {{ starts_at }}: {{ url }}"),
            },
            "sample": _SAMPLE,
        },
    ]
