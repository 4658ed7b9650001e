"""Alembic environment shared by the core and every plugin.

``lms_core.migrate`` sets ``version_locations`` and the version table per owner: the
core uses ``alembic_version``, a plugin ``<plugin>_alembic_version``, so each has its
own history and removing a plugin never breaks the core's upgrade path.
"""

from alembic import context

from lms_core.extensions import db

config = context.config
owner = config.attributes["owner"]
version_table = config.attributes["version_table"]
owned_tables = config.attributes["owned_tables"]


def include_object(obj, name, type_, reflected, compare_to):
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return table_name is None or table_name in owned_tables


def run_migrations():
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        version_table=version_table,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
