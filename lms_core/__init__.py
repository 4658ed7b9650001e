"""The LMS core: a small Flask application that plugins extend.

This module is the public facade for plugin authors. Everything a plugin needs is
importable from here; other modules of ``lms_core`` are internal and may change.
"""
from hookspecs import hookimpl, hookspec

from lms_core.contracts import NavLink, NotificationChannel, PeriodicTask, Refusal, Requirement

__all__ = [
    "hookimpl",
    "hookspec",
    "NavLink",
    "NotificationChannel",
    "PeriodicTask",
    "Refusal",
    "Requirement",
    "create_app",
    "db",
    "enqueue",
    "notify",
    "current_user",
    "gettext",
    "lazy_gettext",
    "ServiceError",
    "login_required",
    "require",
    "render_fragment",
    "is_staff",
    "is_enrolled",
    "send_upload",
    "send_mail",
    "send_mail_batch",
    "deliver_mail",
    "MailMessage",
    "MailError",
    "PermanentMailError",
    "TemporaryMailError",
]

# name -> (module, attribute): imported on first use, so `import lms_core` stays cheap.
_LAZY = {
    "create_app": ("lms_core.app", "create_app"),
    "db": ("lms_core.extensions", "db"),
    "enqueue": ("lms_core.jobs", "enqueue"),
    "notify": ("lms_core.services.notifications", "notify"),
    "current_user": ("lms_core.auth", "current_user"),
    "gettext": ("flask_babel", "gettext"),
    "lazy_gettext": ("flask_babel", "lazy_gettext"),
    "ServiceError": ("lms_core.services", "ServiceError"),
    "login_required": ("lms_core.auth", "login_required"),
    "require": ("lms_core.auth", "require"),
    "render_fragment": ("lms_core.web.templating", "render_fragment"),
    "is_staff": ("lms_core.defaults.permissions", "is_staff"),
    "is_enrolled": ("lms_core.defaults.permissions", "is_enrolled"),
    "send_upload": ("lms_core.downloads", "send_upload"),
    "send_mail": ("lms_core.mail", "send_mail"),
    "send_mail_batch": ("lms_core.mail", "send_mail_batch"),
    "deliver_mail": ("lms_core.mail", "deliver"),
    "MailMessage": ("lms_core.mail", "MailMessage"),
    "MailError": ("lms_core.mail", "MailError"),
    "PermanentMailError": ("lms_core.mail", "PermanentMailError"),
    "TemporaryMailError": ("lms_core.mail", "TemporaryMailError"),
}

__version__ = "0.1.0"


def __getattr__(name):
    # Imported lazily so that `import lms_core` (done by every plugin module) stays
    # cheap and free of import cycles.
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(name)
