"""The live-lectures plugin's hook implementations (the ``lms.plugins`` entry point
``zoom``). Kept thin: each hook hands over to the module that holds the logic."""

from __future__ import annotations

from pathlib import Path

from flask import url_for

from lms_core import NavLink, PeriodicTask, gettext as _, hookimpl

from lms_zoom import attendance, fragments, jobs, messages, permissions, settings

HERE = Path(__file__).parent


@hookimpl
def lms_addhooks(pluginmanager):
    from lms_zoom import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def lms_blueprints(app):
    from lms_zoom import api, views

    return [views.bp, views.hooks_bp, api.bp]


@hookimpl
def lms_content_security_policy(app):
    """The Jitsi server's meeting is framed in the LMS page (camera and microphone
    follow from frame-src in the core's Permissions-Policy)."""
    from urllib.parse import urlsplit

    from lms_zoom.settings import settings

    parts = urlsplit(settings.get("ZOOM_JITSI_URL") or "")
    if not parts.scheme or not parts.netloc:
        return None
    return {"frame-src": [f"{parts.scheme}://{parts.netloc}"]}


@hookimpl
def lms_openapi():
    from lms_zoom import openapi

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
        PeriodicTask("zoom.reminders", jobs.send_reminders, interval("ZOOM_REMINDER_INTERVAL")),
        PeriodicTask("zoom.repair", jobs.repair, interval("ZOOM_REPAIR_INTERVAL")),
    ]


@hookimpl
def lms_completion_requirements(user, course):
    return attendance.requirements(user, course)


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
def lms_navigation_links(user):
    if user is None:
        return []
    if user.role == "admin":
        return [NavLink(_("Live lectures"), url_for("zoom.admin"), area="admin")]
    return []


@hookimpl
def lms_notification_texts():
    from lms_zoom import messages

    return messages.texts()


@hookimpl(optionalhook=True)
def lms_notification_scenarios():
    return messages.scenarios()


@hookimpl
def lms_course_workspace_tabs(user, course):
    """The plugin's teacher page of the course, a tab of the course workspace."""
    from flask import url_for

    from lms_core import WorkspaceTab, gettext as _

    return [
        WorkspaceTab("live", _("Live sessions"), url_for("zoom.course_sessions", course_id=course.id), order=20),
    ]


@hookimpl
def lms_gradebook_items(course, user_ids):
    """Attendance of the lectures marked "in the gradebook", as a percentage per date."""
    from lms_core import GradebookItem

    return [
        GradebookItem(
            item["key"],
            item["title"],
            float(item["max_points"]),
            {uid: float(p) for uid, p in item["scores"].items()},
            date=item["date"],
            settles_at=item["settles_at"],
            tracked=True,  # attendance.points_changed and the corrections mark every change
        )
        for item in attendance.gradebook_items(course.id, user_ids)
    ]
