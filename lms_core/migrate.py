"""``lms db upgrade``: Alembic for the core, then for every enabled plugin.

Nothing migrates at start-up; this runs only when an operator asks.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from flask import current_app

from lms_core.extensions import db

CORE = "core"


@dataclass
class MigrationOwner:
    name: str
    versions: str
    version_table: str
    owned_tables: set[str]


def owners() -> list[MigrationOwner]:
    from lms_core.plugins import get_plugin_manager

    core_tables = {t for t in db.metadata.tables if not _plugin_prefix(t)}
    result = [MigrationOwner(CORE, os.path.join(os.path.dirname(__file__), "migrations", "versions"),
                             "alembic_version", core_tables)]
    plugins = get_plugin_manager()
    for name, folder in plugins.call_each_with_names("lms_migrations_folder", include_disabled=True):
        if not plugins.is_enabled(name):
            continue
        tables = {t for t in db.metadata.tables if t.startswith(f"{name}_")}
        result.append(MigrationOwner(name, str(folder), f"{name}_alembic_version", tables))
    return result


def _plugin_prefix(table: str) -> bool:
    from lms_core.plugins import get_plugin_manager

    return any(table.startswith(f"{name}_") for name in get_plugin_manager().installed)


def alembic_config(owner: MigrationOwner, connection) -> Config:
    config = Config()
    config.set_main_option("script_location", os.path.join(os.path.dirname(__file__), "migrations"))
    config.set_main_option("version_locations", owner.versions)
    config.set_main_option("path_separator", "os")
    config.attributes.update(connection=connection, owner=owner.name, version_table=owner.version_table,
                             owned_tables=owner.owned_tables)
    return config


def upgrade(target: str = "heads") -> list[str]:
    """Upgrade the core and each enabled plugin; returns the owners migrated."""
    done = []
    for owner in owners():
        with db.engine.begin() as connection:
            command.upgrade(alembic_config(owner, connection), target)
        done.append(owner.name)
    current_app.extensions["lms_plugins"].forget_enabled_state()
    return done


def revision(owner_name: str, message: str) -> None:
    """Autogenerate a migration for the core or a plugin (developers)."""
    owner = next((o for o in owners() if o.name == owner_name), None)
    if owner is None:
        raise LookupError(owner_name)
    with db.engine.begin() as connection:
        config = alembic_config(owner, connection)
        command.revision(config, message=message, autogenerate=True, version_path=owner.versions,
                         head="head")


def pending_changes(owner_name: str = CORE) -> list:
    """Differences between the models and the migrated database (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    owner = next(o for o in owners() if o.name == owner_name)

    def include(obj, name, type_, reflected, compare_to):
        table_name = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table_name is None or table_name in owner.owned_tables

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include, "compare_type": True,
                                                               "version_table": owner.version_table})
        return compare_metadata(context, db.metadata)
