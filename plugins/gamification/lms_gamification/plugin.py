"""Hook implementations of the gamification plugin (thin: the work is in jobs and services).

Event hooks enqueue a job with ids only, so the work happens in a worker (or inline
without Redis) and a retried job is as safe as a replayed event.
"""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _

from lms_core import NavLink, PeriodicTask, enqueue, hookimpl

from lms_gamification import hookspecs, jobs

HERE = Path(__file__).parent
REPAIR_INTERVAL = 300


@hookimpl
def lms_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def lms_blueprints(app):
    from lms_gamification.api import bp as api_bp
    from lms_gamification.views import bp

    return [bp, api_bp]


@hookimpl
def lms_openapi():
    from lms_gamification.openapi import document

    return document()


@hookimpl
def lms_cli_commands():
    from lms_gamification.cli import gamification_group

    return [gamification_group]


@hookimpl
def lms_migrations_folder():
    return HERE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return HERE / "translations"


@hookimpl
def lms_notification_texts():
    from lms_gamification import notices

    return notices.texts()


@hookimpl
def lms_periodic_tasks():
    return [PeriodicTask("gamification.repair_leaderboards", jobs.repair_leaderboards, REPAIR_INTERVAL)]


@hookimpl
def lms_demo_data(platform):
    from lms_gamification.demo import load_demo_awards

    return load_demo_awards(platform)


@hookimpl(tryfirst=True)
def lms_gamification_badge_criteria():
    from lms_gamification.criteria import builtin_criteria

    return builtin_criteria()


# ---------------------------------------------------------------- pages


@hookimpl
def lms_navigation_links(user):
    if user is None:
        return []
    links = [
        NavLink(_("Leaderboard"), url_for("gamification.platform_leaderboard")),
        NavLink(_("My points"), url_for("gamification.profile")),
    ]
    if user.role == "admin":
        links.append(NavLink(_("Gamification"), url_for("gamification.platform_settings"), area="admin"))
    return links


@hookimpl
def lms_course_page_fragments(user, course):
    from lms_gamification import fragments

    return fragments.course_fragment(user, course)


@hookimpl
def lms_dashboard_fragments(user):
    from lms_gamification import fragments

    return fragments.dashboard_fragment(user)


# ---------------------------------------------------------------- events


@hookimpl
def on_quiz_submitted(user, quiz, attempt):
    if not attempt.passed:
        enqueue(jobs.quiz_submitted, user.id, attempt.id)


@hookimpl
def on_quiz_passed(user, quiz, attempt):
    enqueue(jobs.quiz_passed, user.id, attempt.id)


@hookimpl
def on_lesson_completed(user, lesson):
    enqueue(jobs.lesson_completed, user.id, lesson.id)


@hookimpl
def on_course_completed(user, course, enrollment):
    enqueue(jobs.course_completed, user.id, course.id)


# Declared by the assignments plugin: optional, so this plugin loads without it.


@hookimpl(optionalhook=True)
def on_assignment_graded(user, assignment, submission, grade):
    enqueue(
        jobs.assignment_graded,
        user.id,
        assignment.course_id,
        assignment.id,
        assignment.title,
        float(grade.points),
        float(grade.max_points),
    )


@hookimpl(optionalhook=True)
def on_submission_created(user, assignment, submission):
    deadline = assignment.due_at
    enqueue(
        jobs.submission_created,
        user.id,
        assignment.course_id,
        assignment.id,
        submission.id,
        submission.submitted_at.isoformat(),
        deadline.isoformat() if deadline else None,
    )


@hookimpl(optionalhook=True)
def lms_notification_scenarios():
    """The plugin's messages, for the notifications plugin's catalogue (when installed)."""
    from flask_babel import lazy_gettext as _l

    return [
        {
            "name": "gamification.badge",
            "label": _l("Badge earned"),
            "description": _l("Sent to a learner who earns a badge."),
            "audience": "learner",
            "channels": ["push", "telegram", "email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("You earned the badge “{{ badge }}”"),
                "text": _l("You earned the badge “{{ badge }}”: {{ description }}\n\n{{ url }}"),
                "short": _l("New badge: “{{ badge }}”"),
            },
            "sample": {"badge": "First quiz", "description": "Passed a first quiz."},
        },
        {
            "name": "gamification.level",
            "label": _l("Level reached"),
            "description": _l("Sent to a learner who reaches a new level."),
            "audience": "learner",
            "channels": ["push", "telegram", "email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("You reached the level “{{ level }}”"),
                "text": _l(
                    "You reached the level “{{ level }}”{% if course %} in “{{ course }}”{% endif %}.\n\n{{ url }}"
                ),
                "short": _l("New level: “{{ level }}”"),
            },
            "sample": {"level": "Explorer", "course": "Python 101"},
        },
    ]


# Declared by the analytics plugin: optional, so this plugin loads without it.


@hookimpl(optionalhook=True)
def lms_analytics_panels(course):
    from lms_gamification import analytics

    return analytics.points_panels(course)


@hookimpl(optionalhook=True)
def lms_analytics_hidden_learners(user_ids):
    from lms_gamification import analytics

    return analytics.hidden_learners(user_ids)


@hookimpl
def lms_course_workspace_tabs(user, course):
    """The plugin's teacher page of the course, a tab of the course workspace."""
    from flask import url_for

    from lms_core import WorkspaceTab, gettext as _

    return [
        WorkspaceTab(
            "gamification",
            _("Points and badges"),
            url_for("gamification.course_settings", course_id=course.id),
            order=50,
        ),
    ]
