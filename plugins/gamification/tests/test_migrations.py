"""The plugin's own Alembic history creates exactly the tables its models describe."""
from sqlalchemy import inspect

from lms_core import migrate
from lms_core.extensions import db


def test_the_migrations_match_the_models(app):
    assert migrate.pending_changes("gamification") == []


def test_the_plugin_keeps_its_own_version_table_and_table_names(app):
    tables = set(inspect(db.engine).get_table_names())
    assert "gamification_alembic_version" in tables
    ours = {t for t in db.metadata.tables if t.startswith("gamification_")}
    assert len(ours) == 11 and ours <= tables
