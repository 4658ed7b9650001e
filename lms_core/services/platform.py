"""Administration of the platform: plugins and failed jobs."""
from __future__ import annotations

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import JobFailure, PluginError, PluginState
from lms_core.plugins import get_plugin_manager
from lms_core.services import ServiceError


def plugin_rows() -> list[dict]:
    plugins = get_plugin_manager()
    states = {s.name: s.enabled for s in db.session.execute(db.select(PluginState)).scalars()}
    rows = []
    for name, info in sorted(plugins.installed.items()):
        last = db.session.execute(
            db.select(PluginError).where(PluginError.plugin == name).order_by(PluginError.occurred_at.desc()).limit(1)
        ).scalar_one_or_none()
        rows.append({
            "name": name,
            "distribution": info.distribution,
            "version": info.version,
            "loaded": info.module is not None,
            "enabled": info.module is not None and states.get(name, True),
            "hooks": info.hooks,
            "last_error": (last.message if last else None) or info.load_error,
            "last_error_at": last.occurred_at if last else None,
        })
    return rows


def set_plugin_enabled(name: str, enabled: bool) -> None:
    plugins = get_plugin_manager()
    info = plugins.installed.get(name)
    if info is None:
        raise ServiceError("unknown_plugin", _("No plugin named %(name)s is installed.", name=name), 404)
    if enabled and info.module is None:
        raise ServiceError("plugin_broken", _("This plugin could not be loaded: %(error)s", error=info.load_error), 409)
    state = db.session.get(PluginState, name) or PluginState(name=name)
    state.enabled = enabled
    db.session.add(state)
    db.session.commit()
    plugins.forget_enabled_state()


def recent_job_failures(limit: int = 100) -> list[JobFailure]:
    return list(db.session.execute(
        db.select(JobFailure).order_by(JobFailure.occurred_at.desc()).limit(limit)).scalars())


def recent_plugin_errors(limit: int = 50) -> list[PluginError]:
    return list(db.session.execute(
        db.select(PluginError).order_by(PluginError.occurred_at.desc()).limit(limit)).scalars())
