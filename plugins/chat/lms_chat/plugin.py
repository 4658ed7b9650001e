"""The chat plugin's hook implementations (the ``lms.plugins`` entry point ``chat``).
Kept thin: each hook hands over to the module that holds the logic."""

from __future__ import annotations

from pathlib import Path

from flask import url_for

from lms_core import NavLink, PeriodicTask, gettext as _, hookimpl

HERE = Path(__file__).parent


@hookimpl
def lms_blueprints(app):
    from lms_chat import sockets, views

    sockets.register()
    return [views.bp]


@hookimpl
def lms_migrations_folder():
    return HERE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return HERE / "translations"


@hookimpl
def lms_notification_texts():
    """Mentions and reports, in the language of whoever reads them."""
    from lms_chat import mentions
    from lms_chat.moderation import REPORTED, report_body, report_title

    return {
        mentions.MENTION: mentions.mention_texts,
        REPORTED: lambda params: (report_title(params), report_body(params)),
    }


@hookimpl
def lms_navigation_links(user):
    """ "Chats" in the menu, with the number of unread messages of every room."""
    if user is None:
        return []
    from lms_core import db
    from lms_core.models import User

    from lms_chat.messages import unread_total

    row = db.session.get(User, user.id)
    unread = unread_total(row) if row is not None else 0
    label = _("Chats (%(num)d)", num=unread) if unread else _("Chats")
    return [NavLink(label, url_for("chat.index"))]


@hookimpl
def lms_course_page_fragments(user, course):
    from lms_chat.fragments import course_fragment

    return course_fragment(user, course)


@hookimpl
def on_unenrolled(user, course, reason, event):
    """A learner who leaves or is removed loses the course's rooms at once: their chat
    sockets close in every process, and every later join or send asks again."""
    from lms_chat.rooms import forget_roles
    from lms_chat.sockets import close_access

    forget_roles()
    close_access(user.id)


@hookimpl(optionalhook=True)
def lms_notification_scenarios():
    from lms_chat.mentions import scenarios

    return scenarios()


@hookimpl
def on_staff_removed(user, course, event):
    """A teacher removed from a course's staff loses its staff-only rooms (and, when not
    enrolled, all of them) at once: their chat sockets close and join again only what
    they may still read."""
    from lms_chat.rooms import forget_roles
    from lms_chat.sockets import close_access

    forget_roles()
    close_access(user.id)


@hookimpl
def lms_periodic_tasks():
    from lms_chat import jobs

    return [PeriodicTask("chat.orphan_files", jobs.remove_orphan_files, 3600)]
