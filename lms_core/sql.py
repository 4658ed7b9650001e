"""SQL helpers that plugins share (public through the facade)."""

from __future__ import annotations

from lms_core.extensions import db


def upsert(model):
    """An ``insert()`` of the database in use (PostgreSQL or SQLite), with
    ``on_conflict_do_nothing`` / ``on_conflict_do_update``: the statement idempotent
    writes are built on."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def contains(column, text: str):
    """``column`` contains ``text`` literally, in any case the database folds (every
    letter on PostgreSQL, Latin ones on SQLite): ``%`` and ``_`` typed by a person match
    themselves. For search boxes."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
