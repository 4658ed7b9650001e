"""The SCORM/xAPI plugin's hook implementations (the entry point ``scorm_xapi``).
Kept thin: each hook hands over to the module that holds the logic. The SCORM half
lives in ``scorm/``; every event hook turns a learning record into an xAPI statement
(``xapi.recording``); sending happens in jobs (``xapi.jobs``), never here.
"""

from __future__ import annotations

from pathlib import Path

from lms_core import NavLink, PeriodicTask, hookimpl, lazy_gettext as _l
from lms_scorm_xapi.xapi import models as xapi_models  # noqa: F401  (the tables must be known to migrations)

from lms_scorm_xapi.scorm import models as scorm_models  # noqa: F401  (the tables must be known to migrations)

PACKAGE = Path(__file__).parent


@hookimpl
def lms_migrations_folder():
    return PACKAGE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return PACKAGE / "translations"


@hookimpl
def lms_blueprints(app):
    from lms_scorm_xapi.scorm import api, content, views
    from lms_scorm_xapi.xapi import views as xapi_views

    app.before_request(content.keep_the_content_origin_to_content)
    return [views.bp, api.bp, xapi_views.bp]


@hookimpl
def lms_content_security_policy(app):
    from lms_scorm_xapi.scorm.content import content_origin

    origin = content_origin()
    return {"frame-src": [origin]} if origin else None


@hookimpl
def lms_permission_allowed(user, action, target):
    from lms_scorm_xapi.scorm import permissions

    return permissions.allowed(user, action, target)


@hookimpl
def lms_course_page_fragments(user, course):
    from lms_scorm_xapi.scorm import fragments

    return fragments.course_fragment(user, course)


@hookimpl
def lms_gradebook_items(course, user_ids):
    """Each SCO's graded score (percent, by its package's grading rule)."""
    from lms_core import GradebookItem, path_for

    from lms_scorm_xapi.scorm import runtime

    return [
        GradebookItem(
            item["key"],
            item["title"],
            float(item["max_points"]),
            {uid: float(p) for uid, p in item["scores"].items()},
            url=path_for("scorm_xapi.package", package_id=item["package_id"]) if item.get("package_id") else None,
            date=item["date"],
            tracked=True,  # every score change calls gradebook_changed (a grading rule's change too)
        )
        for item in runtime.gradebook_items(course.id, user_ids)
    ]


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

    from lms_scorm_xapi.scorm import fragments

    links = fragments.navigation_links(user)
    if user is not None and user.role == "admin":
        links.append(NavLink(_l("xAPI"), url_for("scorm_xapi_xapi.statement_log"), area="admin"))
    return links


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
