"""``INSERT ... ON CONFLICT`` for the database in use (PostgreSQL or SQLite): the
statement every idempotent write of this plugin is built on."""

from __future__ import annotations

from lms_core import db


def insert(model):
    """An ``insert()`` with ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(model)
