"""The assignments plugin's hook implementations (the ``lms.plugins`` entry point).
Kept thin: each hook hands over to the module that holds the logic."""

from __future__ import annotations

from pathlib import Path

from lms_core import PeriodicTask, hookimpl

from lms_assignments import completion, fragments, hookspecs, jobs, permissions
from lms_assignments.settings import settings

HERE = Path(__file__).parent


@hookimpl
def lms_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def lms_blueprints(app):
    from lms_assignments import api, views

    return [views.bp, api.bp]


@hookimpl
def lms_openapi():
    from lms_assignments import openapi

    return openapi.fragment()


@hookimpl
def lms_migrations_folder():
    return HERE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return HERE / "translations"


@hookimpl
def lms_periodic_tasks():
    def interval(name):
        return int(settings.get(name))

    return [
        PeriodicTask("assignments.reminders", jobs.send_reminders, interval("ASSIGNMENTS_REMINDER_INTERVAL")),
        PeriodicTask("assignments.repair", jobs.repair, interval("ASSIGNMENTS_REPAIR_INTERVAL")),
        PeriodicTask("assignments.hand_in_digest", jobs.send_hand_in_digests, interval("ASSIGNMENTS_DIGEST_INTERVAL")),
    ]


@hookimpl
def lms_completion_requirements(user, course):
    return completion.requirements(user, course)


@hookimpl
def lms_demo_data(platform):
    from lms_assignments.demo import load_demo_submissions

    return load_demo_submissions(platform)


@hookimpl
def lms_course_page_fragments(user, course):
    return fragments.course_fragment(user, course)


@hookimpl
def lms_dashboard_upcoming(user, course_ids, taught_course_ids):
    return fragments.dashboard_upcoming(user, course_ids, taught_course_ids)


@hookimpl
def lms_permission_allowed(user, action, target):
    return permissions.allowed(user, action, target)


@hookimpl
def lms_notification_texts():
    from lms_assignments import messages

    return messages.texts()


@hookimpl(optionalhook=True)
def lms_notification_scenarios():
    """The plugin's messages, for the notifications plugin's catalogue (when installed)."""
    from lms_assignments import scenarios

    return scenarios.scenarios()


@hookimpl
def on_submission_created(user, assignment, submission):
    from lms_core import enqueue

    enqueue(jobs.tell_teachers, submission.id)


@hookimpl(optionalhook=True)
def lms_analytics_assignment_stats(course):
    """Declared by the analytics plugin (optional, so this plugin loads without it)."""
    from lms_assignments import analytics

    return analytics.assignment_stats(course)


@hookimpl
def lms_course_workspace_tabs(user, course):
    from lms_assignments import workspace

    return workspace.tabs(user, course)


@hookimpl
def lms_gradebook_items(course, user_ids):
    from lms_assignments import workspace

    return workspace.gradebook_items(course, user_ids)


@hookimpl
def lms_teacher_todo(user):
    from lms_assignments import workspace

    return workspace.todo(user)


@hookimpl
def lms_navigation_links(user):
    """On the account page of teachers: how they hear of hand-ins."""
    from flask import url_for

    from lms_core import NavLink, gettext as _

    if user is None or user.role not in ("teacher", "admin"):
        return None
    return [NavLink(_("Hand-in notifications"), url_for("assignments.notices"), area="account")]
