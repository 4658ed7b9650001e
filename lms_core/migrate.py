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
    plugins = current_app.extensions["lms_plugins"]
    tables = table_owners()
    result = [
        MigrationOwner(
            CORE,
            os.path.join(os.path.dirname(__file__), "migrations", "versions"),
            "alembic_version",
            {t for t, o in tables.items() if o == CORE},
        )
    ]
    for name, folder in plugins.call_each_with_names("lms_migrations_folder", include_disabled=True):
        if not plugins.switched_on(name):
            continue
        result.append(
            MigrationOwner(name, str(folder), f"{name}_alembic_version", {t for t, o in tables.items() if o == name})
        )
    return result


def table_owners() -> dict[str, str]:
    """Which owner (``core`` or a plugin's name) each table of the models belongs to.

    Decided from where the table is declared: a model class in the plugin's own package
    (the package of its entry point's module) belongs to that plugin, whatever its name,
    so ``hello_x_items`` of a plugin ``hello_x`` never lands in plugin ``hello``'s
    migrations. A table without a model class falls back to the longest plugin name
    that prefixes it. Tables of plugin packages not loaded in this app are left out."""
    plugins = current_app.extensions["lms_plugins"]
    packages = {"lms_core": CORE}
    for name, info in plugins.installed.items():
        if info.module is not None:
            packages.setdefault(info.module.__name__.split(".")[0], name)
    by_table: dict[str, str | None] = {}
    for mapper in db.Model.registry.mappers:
        package = mapper.class_.__module__.split(".")[0]
        for table in mapper.tables:
            by_table[table.name] = packages.get(package)
    names = sorted((n for n, i in plugins.installed.items() if i.module is not None), key=len, reverse=True)
    result = {}
    for table in db.metadata.tables:
        if table in by_table:
            owner = by_table[table]
        else:
            owner = next((n for n in names if table.startswith(f"{n}_")), CORE)
        if owner is not None:
            result[table] = owner
    return result


def table_problems() -> list[tuple[tuple[str, ...], str]]:
    """Tables a plugin declares outside its ``<plugin>_`` prefix, and plugins whose
    prefix lies inside another's (``hello_`` and ``hello_x_``): each as (plugins, message)."""
    plugins = current_app.extensions["lms_plugins"]
    problems = []
    for table, owner in sorted(table_owners().items()):
        if owner != CORE and not table.startswith(f"{owner}_"):
            problems.append(
                (
                    (owner,),
                    f"plugin {owner!r} declares the table {table!r}, outside its prefix "
                    f"'{owner}_': name its tables {owner}_*",
                )
            )
    loaded = sorted(n for n, i in plugins.installed.items() if i.module is not None)
    for name in loaded:
        for other in loaded:
            if other != name and other.startswith(f"{name}_"):
                problems.append(
                    (
                        (name, other),
                        f"the table prefix '{other}_' of plugin {other!r} lies inside "
                        f"the prefix '{name}_' of plugin {name!r}: a table {other}_items "
                        f"reads as {name}'s; rename one of the plugins",
                    )
                )
    return problems


def plugin_migrations_pending(name: str) -> bool:
    """Whether the plugin has migrations that its database has not run (a head
    revision missing from ``<plugin>_alembic_version``)."""
    plugins = current_app.extensions["lms_plugins"]
    folder = next(
        (str(f) for n, f in plugins.call_each_with_names("lms_migrations_folder", include_disabled=True) if n == name),
        None,
    )
    return folder is not None and migrations_pending(name, folder)


def migrations_pending(name: str, folder: str) -> bool:
    """Whether the plugin's database lags behind the migrations in ``folder``: some head
    revision is missing from the plugin's own version table (``lms db upgrade`` fixes it)."""
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": f"{name}_alembic_version"})
        current = set(context.get_current_heads())
    return not head_revisions(name, folder) <= current


_heads: dict[tuple, frozenset[str]] = {}


def head_revisions(name: str, folder: str) -> frozenset[str]:
    """The head revisions of a migrations folder. Alembic reads (compiles) every script
    to find them, and each application checks every plugin as it starts, so they are
    kept per process, by the folder's scripts and their modification times: a script
    added or changed is read again."""
    from alembic.script import ScriptDirectory

    try:
        scripts = tuple(
            sorted(
                (e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in os.scandir(folder) if e.name.endswith(".py")
            )
        )
    except OSError:
        scripts = ()
    key = (name, folder, scripts)
    if key not in _heads:
        owner = MigrationOwner(name, folder, f"{name}_alembic_version", set())
        _heads[key] = frozenset(ScriptDirectory.from_config(alembic_config(owner, None)).get_heads())
    return _heads[key]


def alembic_config(owner: MigrationOwner, connection) -> Config:
    config = Config()
    config.set_main_option("script_location", os.path.join(os.path.dirname(__file__), "migrations"))
    config.set_main_option("version_locations", owner.versions)
    config.set_main_option("path_separator", "os")
    config.attributes.update(
        connection=connection, owner=owner.name, version_table=owner.version_table, owned_tables=owner.owned_tables
    )
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
        command.revision(config, message=message, autogenerate=True, version_path=owner.versions, head="head")


def pending_changes(owner_name: str = CORE) -> list:
    """Differences between the models and the migrated database (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    owner = next(o for o in owners() if o.name == owner_name)

    def include(obj, name, type_, reflected, compare_to):
        table_name = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table_name is None or table_name in owner.owned_tables

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True, "version_table": owner.version_table}
        )
        return compare_metadata(context, db.metadata)
