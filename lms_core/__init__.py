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
]

__version__ = "0.1.0"


def __getattr__(name):
    # Imported lazily so that `import lms_core` (done by every plugin module) stays
    # cheap and free of import cycles.
    if name == "create_app":
        from lms_core.app import create_app

        return create_app
    if name == "db":
        from lms_core.extensions import db

        return db
    if name == "enqueue":
        from lms_core.jobs import enqueue

        return enqueue
    if name == "notify":
        from lms_core.services.notifications import notify

        return notify
    if name == "current_user":
        from lms_core.auth import current_user

        return current_user
    if name in ("gettext", "lazy_gettext"):
        import flask_babel

        return getattr(flask_babel, name)
    raise AttributeError(name)
