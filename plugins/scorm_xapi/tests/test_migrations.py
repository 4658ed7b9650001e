"""The plugin's own Alembic history creates exactly the tables its models describe."""

from lms_core.testing import pending_changes


def test_the_migrations_match_the_models(app):
    assert pending_changes("scorm_xapi") == []
