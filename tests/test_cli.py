"""The ``lms`` command an operator runs: plugins, accounts, demo data, migrations."""

import os
import sqlite3
import subprocess
import sys

import pytest

from lms_core import hookimpl
from lms_core.cli import main
from lms_core.extensions import db
from lms_core.models import Course, Lesson, Quiz, User
from lms_core.testing import PASSWORD
from tests.plugin_helpers import register_plugin

pytestmark = pytest.mark.lms_config(LMS_PLUGINS="hello")


@pytest.fixture
def lms(app):
    """Run ``lms <args>`` on the test app; returns click's result."""
    runner = app.test_cli_runner()

    def run(*args, **kwargs):
        return runner.invoke(main, list(args), **kwargs)

    return run


def counts():
    return {
        model.__name__: db.session.execute(db.select(db.func.count(model.id))).scalar_one()
        for model in (User, Course, Lesson, Quiz)
    }


def test_lms_plugins_list_names_each_plugin_with_its_version_state_and_hooks(lms):
    result = lms("plugins", "list")

    assert result.exit_code == 0, result.output
    assert (
        "hello 0.1.0 enabled hooks: lms_blueprints, lms_migrations_folder, lms_navigation_links, "
        "lms_translations_folder, on_quiz_passed\n" in result.output
    )
    # The project's plugins are installed too, but LMS_PLUGINS="hello" leaves them out.
    assert "gamification 0.1.0 installed, excluded by LMS_PLUGINS hooks: -\n" in result.output


def test_lms_plugins_list_shows_a_plugins_last_error(app, lms, factory):
    @hookimpl
    def on_enrolled(user, course, enrollment):
        raise TimeoutError("the payment provider did not answer")

    register_plugin(app, "payments", on_enrolled)
    factory.enrol(factory.user(), factory.course())

    result = lms("plugins", "list")

    assert (
        "payments - enabled hooks: on_enrolled\n  last error: TimeoutError: the payment provider did not answer"
        in result.output
    )


def test_lms_plugins_disable_and_enable_switch_a_plugin_for_the_whole_deployment(app, lms):
    visitor = app.test_client()

    disabled = lms("plugins", "disable", "hello")

    assert disabled.exit_code == 0 and disabled.output == "hello: disabled\n"
    assert visitor.get("/hello/").status_code == 404
    assert "hello 0.1.0 disabled" in lms("plugins", "list").output

    enabled = lms("plugins", "enable", "hello")

    assert enabled.exit_code == 0 and enabled.output.startswith("hello: enabled")
    assert visitor.get("/hello/").status_code == 302  # there again: it asks for a login


def test_lms_plugins_enable_refuses_a_plugin_that_is_not_installed(lms):
    result = lms("plugins", "enable", "nosuchplugin")

    assert result.exit_code == 1
    assert "No plugin named nosuchplugin is installed." in result.output


def test_lms_create_admin_asks_for_the_details_and_the_admin_can_log_in(app, lms):
    result = lms("create-admin", input=f"root@example.org\nRuth Root\n{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "created admin root@example.org" in result.output
    ruth = db.session.execute(db.select(User).where(User.email == "root@example.org")).scalar_one()
    assert ruth.role == "admin" and ruth.name == "Ruth Root" and PASSWORD not in ruth.password_hash
    client = app.test_client()
    client.post("/login", data={"email": "root@example.org", "password": PASSWORD})
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("root@example.org", "short", "password: The password must be at least 8 characters long."),
        ("taken@example.org", PASSWORD, "email: An account with this e-mail address already exists."),
        ("not an address", PASSWORD, "email: Enter a valid e-mail address."),
    ],
)
def test_lms_create_admin_refuses_bad_details_and_creates_nothing(lms, factory, email, password, message):
    factory.user(email="taken@example.org")
    before = counts()["User"]

    result = lms("create-admin", "--email", email, "--name", "Root", "--password", password)

    assert result.exit_code == 1
    assert message in result.output
    assert counts()["User"] == before


def test_lms_demo_loads_the_demo_data_once_however_often_it_runs(app, lms):
    first = lms("demo")

    assert first.exit_code == 0, first.output
    assert "admin@example.org / demo-password (admin)" in first.output
    loaded = counts()
    assert loaded["User"] >= 4 and loaded["Course"] == 2 and loaded["Quiz"] >= 2

    second = lms("demo")

    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert counts() == loaded
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.org", "password": "demo-password"})
    assert client.get("/admin/").status_code == 200
    languages = db.session.execute(db.select(Course.default_language).order_by(Course.default_language)).scalars()
    assert list(languages) == ["en", "ru"]


def lms_process(database: str, *args) -> subprocess.CompletedProcess:
    """``lms <args>`` in its own process, configured only through the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "REDIS_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="cli-test", LMS_PLUGINS="hello")
    return subprocess.run(
        [sys.executable, "-m", "lms_core.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(database),
    )


def test_lms_db_upgrade_builds_a_fresh_database_and_keeps_its_data_on_the_next_run(tmp_path):
    database = tmp_path / "fresh.sqlite3"

    first = lms_process(str(database), "db", "upgrade")

    assert first.returncode == 0, first.stderr
    assert first.stdout == "upgraded: core\nupgraded: hello\n"
    assert lms_process(str(database), "demo").returncode == 0
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO hello_greetings (user_id, quiz_id, attempt_id, quiz_title, created_at) "
            "SELECT users.id, quizzes.id, 0, quizzes.title, '2026-01-01 00:00:00' FROM users, quizzes "
            "WHERE users.email = 'student@example.org'"
        )
        before = {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("users", "courses", "quizzes", "hello_greetings", "alembic_version", "hello_alembic_version")
        }
    assert len(before["users"]) >= 4 and len(before["courses"]) == 2 and before["hello_greetings"]

    second = lms_process(str(database), "db", "upgrade")

    assert second.returncode == 0, second.stderr
    with sqlite3.connect(database) as connection:
        for table, rows in before.items():
            assert connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == rows, table
