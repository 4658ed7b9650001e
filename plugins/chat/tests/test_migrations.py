"""The plugin's own Alembic history creates exactly the tables its models describe."""

from sqlalchemy import inspect

from lms_core import db
from lms_core.testing import pending_changes


def test_the_migrations_match_the_models(app):
    assert pending_changes("chat") == []


def test_the_plugin_keeps_its_own_version_table_and_table_names(app):
    tables = set(inspect(db.engine).get_table_names())
    assert "chat_alembic_version" in tables
    ours = {t for t in db.metadata.tables if t.startswith("chat_")}
    assert len(ours) == 8 and ours <= tables
