"""Hook implementations of the analytics plugin (thin: the work is in jobs and modules).

Event hooks enqueue a job with ids only; each job recomputes what the event touched, so
a redelivered event never counts twice. A periodic task folds the activity facts
written since the last run.
"""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from lms_core import NavLink, PeriodicTask, enqueue, hookimpl

from lms_analytics import hookspecs, jobs

HERE = Path(__file__).parent
FOLD_INTERVAL = 300


@hookimpl
def lms_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def lms_blueprints(app):
    from lms_analytics import api, metrics, views

    return [views.bp, api.bp, metrics.bp]


@hookimpl
def lms_openapi():
    from lms_analytics.openapi import document

    return document()


@hookimpl
def lms_cli_commands():
    from lms_analytics.cli import analytics_group

    return [analytics_group]


@hookimpl
def lms_migrations_folder():
    return HERE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return HERE / "translations"


@hookimpl
def lms_notification_texts():
    from lms_analytics import notices

    return notices.texts()


@hookimpl
def lms_periodic_tasks():
    return [PeriodicTask("analytics.fold", jobs.fold, FOLD_INTERVAL)]


@hookimpl
def lms_navigation_links(user):
    if user is None or user.role not in ("teacher", "admin"):
        return []
    return [NavLink(_l("Analytics"), url_for("analytics.index"))]


# ---------------------------------------------------------------- events


def _lag(event, moment):
    from lms_analytics.metrics import observe_event

    observe_event(event, moment)


@hookimpl
def on_lesson_completed(user, lesson):
    enqueue(jobs.lesson_completed, user.id, lesson.id)


@hookimpl
def on_quiz_submitted(user, quiz, attempt):
    _lag("on_quiz_submitted", attempt.submitted_at)
    enqueue(jobs.quiz_submitted, user.id, attempt.id)


@hookimpl
def on_enrolled(user, course, enrollment):
    _lag("on_enrolled", enrollment.enrolled_at)
    enqueue(jobs.enrolment_changed, user.id, course.id)


@hookimpl
def on_course_completed(user, course, enrollment):
    _lag("on_course_completed", enrollment.completed_at)
    enqueue(jobs.enrolment_changed, user.id, course.id)


@hookimpl
def on_user_registered(user):
    enqueue(jobs.learner_registered, user.id)


@hookimpl
def lms_course_workspace_tabs(user, course):
    """The plugin's teacher page of the course, a tab of the course workspace."""
    from flask import url_for

    from lms_core import WorkspaceTab, gettext as _

    return [
        WorkspaceTab("analytics", _("Analytics"), url_for("analytics.course_overview", course_id=course.id), order=80),
    ]
