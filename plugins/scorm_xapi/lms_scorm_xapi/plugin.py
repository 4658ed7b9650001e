"""The SCORM/xAPI plugin's hook implementations (the entry point ``scorm_xapi``).

Every event hook turns a learning record into an xAPI statement (``xapi.recording``);
sending happens in jobs (``xapi.jobs``), never here.
"""

from __future__ import annotations

from pathlib import Path

from lms_core import NavLink, PeriodicTask, hookimpl, lazy_gettext as _l
from lms_scorm_xapi.xapi import models as xapi_models  # noqa: F401  (the tables must be known to migrations)

PACKAGE = Path(__file__).parent


@hookimpl
def lms_migrations_folder():
    return PACKAGE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return PACKAGE / "translations"


@hookimpl
def lms_blueprints(app):
    from lms_scorm_xapi.xapi import views as xapi_views

    return [xapi_views.bp]


@hookimpl
def lms_cli_commands():
    from lms_scorm_xapi.xapi.cli import scorm_xapi_group

    return [scorm_xapi_group]


@hookimpl
def lms_periodic_tasks():
    from lms_scorm_xapi.xapi import jobs, settings

    return [PeriodicTask("scorm_xapi.xapi.send", jobs.send_due, int(settings.config("SCORM_XAPI_SEND_INTERVAL")))]


@hookimpl
def lms_navigation_links(user):
    from flask import url_for

    if user is None or user.role != "admin":
        return []
    return [NavLink(_l("xAPI"), url_for("scorm_xapi_xapi.statement_log"), area="admin")]


# ---------------------------------------------------------------- learning records -> xAPI


@hookimpl
def on_enrolled(user, course, enrollment, event):
    from lms_scorm_xapi.xapi import recording

    recording.enrolled(user, course, enrollment, event)


@hookimpl
def on_lesson_completed(user, lesson, event):
    from lms_scorm_xapi.xapi import recording

    recording.lesson_completed(user, lesson, event)


@hookimpl
def on_quiz_submitted(user, quiz, attempt, event):
    from lms_scorm_xapi.xapi import recording

    recording.quiz_submitted(user, quiz, attempt, event)


@hookimpl
def on_quiz_passed(user, quiz, attempt, event):
    from lms_scorm_xapi.xapi import recording

    recording.quiz_passed(user, quiz, attempt, event)


@hookimpl
def on_course_completed(user, course, enrollment, event):
    from lms_scorm_xapi.xapi import recording

    recording.course_completed(user, course, enrollment, event)


@hookimpl(optionalhook=True)
def on_submission_created(user, assignment, submission, event):
    """The assignments plugin's event, when it is installed."""
    from lms_scorm_xapi.xapi import recording

    recording.assignment_submitted(user, assignment, submission, event)


@hookimpl(optionalhook=True)
def on_assignment_graded(user, assignment, submission, grade, event):
    """The assignments plugin's event, when it is installed."""
    from lms_scorm_xapi.xapi import recording

    recording.assignment_graded(user, assignment, submission, grade, event)


@hookimpl(optionalhook=True)
def on_live_session_attended(user, session, occurrence, minutes, event):
    """The live-lectures plugin's event, once it declares it (see the plugin's README)."""
    from lms_scorm_xapi.xapi import recording

    recording.live_session_attended(user, session, occurrence, minutes, event)
