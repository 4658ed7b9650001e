"""The LMS core: a small Flask application that plugins extend.

This module is the public facade for plugin authors. Everything a plugin needs is
importable from here, or from one of the few modules in ``PUBLIC_MODULES``; other
modules of ``lms_core`` are internal and may change. docs/plugins.md §1 lists the same
names (``tests/test_public_surface.py`` keeps the three lists equal, and fails when code
under plugins/ or examples/ imports anything else).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hookspecs import hookimpl, hookspec
from lms_core.contracts import (
    GradebookItem,
    NavLink,
    NotificationChannel,
    PeriodicTask,
    Refusal,
    Requirement,
    TodoItem,
    UpcomingItem,
    WorkspaceTab,
)

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and editors
    from flask_babel import gettext, lazy_gettext

    from lms_core.api.plugin_blueprints import api_blueprint, csrf_exempt
    from lms_core.api.validation import json_object
    from lms_core.downloads import send_upload
    from lms_core.app import create_app
    from lms_core.auth import current_user, login_required, require
    from lms_core.defaults.permissions import is_enrolled, is_staff
    from lms_core.extensions import db
    from lms_core.i18n import (
        ContentTranslations,
        content_text,
        language_names,
        localized,
        preload_content_translations,
        select_timezone,
    )
    from lms_core.jobs import enqueue, redis_connection
    from lms_core.mail import MailError, MailMessage, PermanentMailError, TemporaryMailError, send_mail, send_mail_batch
    from lms_core.mail import deliver as deliver_mail
    from lms_core.permissions import can
    from lms_core.plugin_calls import call_first_hook, call_hook, check_hook
    from lms_core.services import ServiceError
    from lms_core.services.markdown import render as render_markdown
    from lms_core.services.courses import add_course, add_lesson, courses_by_id, revise_lesson, set_translation
    from lms_core.services.notifications import moment_param, name_params, notification_name, notification_when, notify
    from lms_core.services.quizzes import score_question
    from lms_core.settings import PluginSettings
    from lms_core.services.gradebook import gradebook_changed
    from lms_core.sql import contains, one_of, read, upsert
    from lms_core.urls import path_for, public_url
    from lms_core.web.form_errors import mark_form_errors, refused_status
    from lms_core.web.templating import render_fragment

__all__ = [
    # the contract
    "hookimpl",
    "hookspec",
    "NavLink",
    "NotificationChannel",
    "PeriodicTask",
    "Refusal",
    "Requirement",
    "WorkspaceTab",
    "GradebookItem",
    "TodoItem",
    "UpcomingItem",
    "call_hook",
    "call_first_hook",
    "check_hook",
    # the application and its services
    "create_app",
    "db",
    "enqueue",
    "redis_connection",
    "notify",
    "notify_many",
    "notification_when",
    "moment_param",
    "name_params",
    "notification_name",
    "PluginSettings",
    "upsert",
    "contains",
    "read",
    "one_of",
    "gradebook_changed",
    "score_question",
    "add_course",
    "add_lesson",
    "revise_lesson",
    "courses_by_id",
    # who is asking and what they may do
    "current_user",
    "login_required",
    "require",
    "can",
    "is_staff",
    "is_enrolled",
    # pages, forms and the API
    "ServiceError",
    "mark_form_errors",
    "refused_status",
    "render_fragment",
    "render_markdown",
    "api_blueprint",
    "csrf_exempt",
    "json_object",
    "send_upload",
    "path_for",
    "public_url",
    # languages
    "gettext",
    "lazy_gettext",
    "language_names",
    "select_timezone",
    "ContentTranslations",
    "localized",
    "content_text",
    "preload_content_translations",
    "set_translation",
    # mail
    "send_mail",
    "send_mail_batch",
    "deliver_mail",
    "MailMessage",
    "MailError",
    "PermanentMailError",
    "TemporaryMailError",
]

# Modules a plugin may import from as well; everything else in lms_core is internal.
PUBLIC_MODULES = (
    "lms_core.models",  # read the core's tables (never add columns to them)
    "lms_core.models.base",  # UTCDateTime and utcnow for a plugin's own time columns
    "lms_core.payloads",  # the snapshots event hooks receive
    "lms_core.events",  # emit and commit: fire a plugin's own declared events
    "lms_core.realtime",  # push, user_room, course_room
    "lms_core.cache",  # get_or_compute, invalidate, increment
    "lms_core.api.access",  # guard, allow, find: the API's checks inside a view
    "lms_core.api.openapi",  # schema helpers for lms_openapi
    "lms_core.api.validation",  # read_body and its rules: JSON bodies checked field by field
    "lms_core.services.progress",  # check_completion, course_progress
    "lms_core.services.enrolment",  # activate, hold, withdraw
    "lms_core.pdf",  # new_document: fpdf2 with the core's Unicode font
    "lms_core.services.throttle",  # wait_seconds, failed, succeeded: throttled guessing per address
    "lms_core.uploads",  # check_upload, FileStore, FILE_TYPES: uploaded files checked by content, stored whole
    "lms_core.demo_large",  # DemoPlatform, what lms_demo_data receives
    "lms_core.testing",  # the pytest fixtures
)

# name -> (module, attribute): imported on first use, so `import lms_core` stays cheap.
_LAZY = {
    "create_app": ("lms_core.app", "create_app"),
    "db": ("lms_core.extensions", "db"),
    "enqueue": ("lms_core.jobs", "enqueue"),
    "redis_connection": ("lms_core.jobs", "redis_connection"),
    "notify": ("lms_core.services.notifications", "notify"),
    "notify_many": ("lms_core.services.notifications", "notify_many"),
    "notification_when": ("lms_core.services.notifications", "notification_when"),
    "moment_param": ("lms_core.services.notifications", "moment_param"),
    "name_params": ("lms_core.services.notifications", "name_params"),
    "notification_name": ("lms_core.services.notifications", "notification_name"),
    "PluginSettings": ("lms_core.settings", "PluginSettings"),
    "upsert": ("lms_core.sql", "upsert"),
    "contains": ("lms_core.sql", "contains"),
    "read": ("lms_core.sql", "read"),
    "one_of": ("lms_core.sql", "one_of"),
    "gradebook_changed": ("lms_core.services.gradebook", "gradebook_changed"),
    "score_question": ("lms_core.services.quizzes", "score_question"),
    "add_course": ("lms_core.services.courses", "add_course"),
    "add_lesson": ("lms_core.services.courses", "add_lesson"),
    "revise_lesson": ("lms_core.services.courses", "revise_lesson"),
    "courses_by_id": ("lms_core.services.courses", "courses_by_id"),
    "current_user": ("lms_core.auth", "current_user"),
    "login_required": ("lms_core.auth", "login_required"),
    "require": ("lms_core.auth", "require"),
    "can": ("lms_core.permissions", "can"),
    "is_staff": ("lms_core.defaults.permissions", "is_staff"),
    "is_enrolled": ("lms_core.defaults.permissions", "is_enrolled"),
    "call_hook": ("lms_core.plugin_calls", "call_hook"),
    "call_first_hook": ("lms_core.plugin_calls", "call_first_hook"),
    "check_hook": ("lms_core.plugin_calls", "check_hook"),
    "ServiceError": ("lms_core.services", "ServiceError"),
    "mark_form_errors": ("lms_core.web.form_errors", "mark_form_errors"),
    "refused_status": ("lms_core.web.form_errors", "refused_status"),
    "render_fragment": ("lms_core.web.templating", "render_fragment"),
    "render_markdown": ("lms_core.services.markdown", "render"),
    "api_blueprint": ("lms_core.api.plugin_blueprints", "api_blueprint"),
    "csrf_exempt": ("lms_core.api.plugin_blueprints", "csrf_exempt"),
    "json_object": ("lms_core.api.validation", "json_object"),
    "send_upload": ("lms_core.downloads", "send_upload"),
    "path_for": ("lms_core.urls", "path_for"),
    "public_url": ("lms_core.urls", "public_url"),
    "gettext": ("flask_babel", "gettext"),
    "lazy_gettext": ("flask_babel", "lazy_gettext"),
    "language_names": ("lms_core.i18n", "language_names"),
    "select_timezone": ("lms_core.i18n", "select_timezone"),
    "ContentTranslations": ("lms_core.i18n", "ContentTranslations"),
    "localized": ("lms_core.i18n", "localized"),
    "content_text": ("lms_core.i18n", "content_text"),
    "preload_content_translations": ("lms_core.i18n", "preload_content_translations"),
    "set_translation": ("lms_core.services.courses", "set_translation"),
    # mail
    "send_mail": ("lms_core.mail", "send_mail"),
    "send_mail_batch": ("lms_core.mail", "send_mail_batch"),
    "deliver_mail": ("lms_core.mail", "deliver"),
    "MailMessage": ("lms_core.mail", "MailMessage"),
    "MailError": ("lms_core.mail", "MailError"),
    "PermanentMailError": ("lms_core.mail", "PermanentMailError"),
    "TemporaryMailError": ("lms_core.mail", "TemporaryMailError"),
}

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import lms_core` (done by every plugin module) stays
    # cheap and free of import cycles.
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(name)
