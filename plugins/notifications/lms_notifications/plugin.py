"""The notifications plugin's hook implementations (the ``lms.plugins`` entry point).
Kept thin: each hook hands over to the module that holds the logic."""

from __future__ import annotations

from pathlib import Path

from flask import url_for

from lms_core import NavLink, PeriodicTask, gettext as _, hookimpl

from lms_notifications import hookspecs, jobs, scenarios, settings

HERE = Path(__file__).parent


@hookimpl
def lms_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def lms_blueprints(app):
    from lms_notifications import views

    return [views.bp]


@hookimpl
def lms_migrations_folder():
    return HERE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return HERE / "translations"


@hookimpl
def lms_notification_channels():
    from lms_notifications.dispatcher import ScenarioDispatcher

    return [ScenarioDispatcher()]


@hookimpl
def lms_notification_texts():
    from lms_notifications import course_start
    from lms_notifications.scenarios import COURSE_TODAY, COURSE_TOMORROW

    # Announcements are shown as their author wrote them: they have no other language.
    return {COURSE_TODAY: course_start.starts_today, COURSE_TOMORROW: course_start.starts_tomorrow}


@hookimpl
def lms_notification_scenarios():
    return scenarios.own_scenarios()


@hookimpl
def lms_periodic_tasks():
    def interval(name):
        return int(settings.config(name))

    return [
        PeriodicTask("notifications.dispatch", jobs.dispatch, interval("NOTIFICATIONS_DISPATCH_INTERVAL")),
        PeriodicTask(
            "notifications.course_starts", jobs.course_starts, interval("NOTIFICATIONS_COURSE_START_INTERVAL")
        ),
        PeriodicTask("notifications.telegram", jobs.telegram_updates, interval("NOTIFICATIONS_DISPATCH_INTERVAL")),
    ]


@hookimpl
def lms_navigation_links(user):
    if user is None:
        return []
    links = [NavLink(_("Notification settings"), url_for("lms_notifications.preferences"), area="account")]
    if user.role == "admin":
        links.append(NavLink(_("Notifications"), url_for("lms_notifications.admin_settings"), area="admin"))
    return links


@hookimpl
def lms_course_page_fragments(user, course):
    from lms_notifications.views import course_fragment

    return course_fragment(user, course)


@hookimpl
def lms_course_workspace_tabs(user, course):
    """The plugin's teacher page of the course, a tab of the course workspace."""
    from flask import url_for

    from lms_core import WorkspaceTab, gettext as _

    return [
        WorkspaceTab(
            "announcements",
            _("Announcements"),
            url_for("lms_notifications.course_announcements", course_id=course.id),
            order=30,
        ),
    ]
