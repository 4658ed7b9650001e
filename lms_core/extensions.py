"""Flask extensions, created unbound and attached in ``create_app``, and the two things
the app keeps in ``app.extensions``: its plugin manager and its Redis connection.

A leaf module (it imports nothing of ``lms_core``), so every other module can import it
at module level without an import cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
socketio = SocketIO()
csrf = CSRFProtect()

if TYPE_CHECKING:
    from flask import Flask
    from redis import Redis

    from lms_core.plugins import PluginManager


def get_plugin_manager(app: Flask | None = None) -> PluginManager:
    """The app's plugin manager (built by ``create_app``)."""
    return (app or current_app).extensions["lms_plugins"]


def redis_connection(app: Flask | None = None) -> Redis | None:
    """The app's Redis connection, made on first use; ``None`` without ``REDIS_URL``."""
    from redis import Redis  # only deployments with Redis pay for the import

    app = app or current_app
    conn: Any = app.extensions.get("lms_redis")
    if conn is None and app.config.get("REDIS_URL"):
        conn = app.extensions["lms_redis"] = Redis.from_url(app.config["REDIS_URL"])
    return conn
