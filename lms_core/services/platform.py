"""Administration of the platform: plugins, their migrations and errors, failed jobs."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from lms_core.extensions import db
from lms_core.models import JobFailure, PluginError, PluginState
from lms_core.plugins import get_plugin_manager
from lms_core.services import ServiceError


def plugin_rows() -> list[dict]:
    """One row per installed plugin: what the admin plugins page and ``lms plugins list`` show."""
    plugins = get_plugin_manager()
    try:
        states = {s.name: s.enabled for s in db.session.execute(db.select(PluginState)).scalars()}
        migrated = True
    except SQLAlchemyError:  # before the first `lms db upgrade`: list what is installed anyway
        db.session.rollback()
        states, migrated = {}, False
    folders = migration_folders()
    from lms_core.delivery import waiting_by_plugin

    try:
        waiting = waiting_by_plugin() if migrated else {}
    except SQLAlchemyError:  # a deployment whose upgrade to the event log has not run yet
        db.session.rollback()
        waiting = {}
    rows = []
    for name, info in sorted(plugins.installed.items()):
        last = (
            db.session.execute(
                db.select(PluginError)
                .where(PluginError.plugin == name)
                .order_by(PluginError.occurred_at.desc(), PluginError.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if migrated
            else None
        )
        rows.append(
            {
                "name": name,
                "distribution": info.distribution,
                "version": info.version,
                "loaded": info.module is not None,
                "excluded": info.excluded,
                "enabled": info.module is not None and states.get(name, True),
                "hooks": info.hooks,
                "problems": plugins.problems_of(name),
                "has_migrations": name in folders,
                "migrations_pending": name in folders and migrations_pending(name, folders[name]),
                "last_error": (last.message if last else None) or info.load_error,
                "last_error_at": last.occurred_at if last else None,
                "events": waiting.get(name),  # undelivered events, or None
            }
        )
    return rows


def set_plugin_enabled(name: str, enabled: bool) -> None:
    plugins = get_plugin_manager()
    info = plugins.installed.get(name)
    if info is None:
        raise ServiceError("unknown_plugin", _("No plugin named %(name)s is installed.", name=name), 404)
    if info.excluded:
        raise ServiceError(
            "plugin_excluded",
            _(
                "The plugin %(name)s is installed but not loaded: the LMS_PLUGINS setting leaves it out. "
                "Add it there and restart.",
                name=name,
            ),
            409,
        )
    if enabled and info.module is None:
        raise ServiceError("plugin_broken", _("This plugin could not be loaded: %(error)s", error=info.load_error), 409)
    state = db.session.get(PluginState, name) or PluginState(name=name)
    state.enabled = enabled
    db.session.add(state)
    db.session.commit()
    plugins.forget_enabled_state()
    if enabled:
        from lms_core.delivery import wake

        wake(name)  # what waited while it was disabled is due now


def migration_folders() -> dict[str, str]:
    """The Alembic ``versions`` folder of every loaded plugin that has one, enabled or not."""
    plugins = get_plugin_manager()
    return {
        name: str(folder)
        for name, folder in plugins.call_each_with_names("lms_migrations_folder", include_disabled=True)
    }


def plugin_problems() -> list:
    """Every problem found while loading the plugins (``PluginProblem``), in the order found."""
    return list(get_plugin_manager().problems)


def migrations_pending(name: str, folder: str) -> bool:
    """Whether the plugin's database lags behind its migrations: some head revision of
    ``folder`` is missing from the plugin's own version table (``lms db upgrade`` fixes it)."""
    from lms_core import migrate

    return migrate.migrations_pending(name, folder)


def recent_job_failures(limit: int = 100) -> list[JobFailure]:
    return list(
        db.session.execute(
            db.select(JobFailure).order_by(JobFailure.occurred_at.desc(), JobFailure.id.desc()).limit(limit)
        ).scalars()
    )


def job_attempts_allowed() -> int:
    """How many times a job runs before it is given up (the first run and its retries)."""
    return len(current_app.config["LMS_JOB_RETRY_INTERVALS"]) + 1


def recent_plugin_errors(limit: int = 50) -> list[PluginError]:
    return list(
        db.session.execute(
            db.select(PluginError).order_by(PluginError.occurred_at.desc(), PluginError.id.desc()).limit(limit)
        ).scalars()
    )


def retry_plugin_events(name: str, limit: int = 200) -> dict[str, int]:
    """The admin's "Try again": every undelivered event of the plugin is due now, and up
    to ``limit`` of them are delivered in this request (the periodic task does the rest)."""
    from lms_core.delivery import deliver_now, replay

    if name not in get_plugin_manager().installed:
        raise ServiceError("unknown_plugin", _("No plugin named %(name)s is installed.", name=name), 404)
    replay(plugin=name, failed=True)
    return deliver_now(name, limit=limit)
