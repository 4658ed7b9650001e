"""What a plugin author or an operator sees when plugins meet badly: never silence.

Each problem is named with the plugins involved, at start-up (a warning in the log), in
``lms plugins list`` and ``lms plugins check`` and on the admin plugins page.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lms_core import hookimpl
from lms_core.app import create_app
from lms_core.cli import main
from lms_core.extensions import db
from lms_core.plugins import PluginConfigurationError, get_plugin_manager
from lms_core.testing import PASSWORD
from tests.plugin_helpers import distributions, register_plugin, shelf_migrations  # noqa: F401  (fixtures)

LENIENT = {"LMS_PLUGINS_STRICT": False}


def lms(app, *args):
    return app.test_cli_runner().invoke(main, list(args))


def problems(app) -> list[str]:
    return [p.message for p in app.extensions["lms_plugins"].problems]


GREETER = '''
    from lms_core import hookimpl


    @hookimpl
    def lms_navigation_links(user):
        return []
'''


@pytest.mark.lms_config(LMS_PLUGINS="greeter", **LENIENT)
def test_two_distributions_with_the_same_plugin_name_are_both_named(distributions, request):
    distributions.install("greeter", GREETER)
    distributions.install("forked", GREETER, entry_point="greeter")
    app = request.getfixturevalue("app")

    [message] = problems(app)
    assert "plugin name 'greeter' is provided by 2 distributions" in message
    assert "lms-plugin-greeter (" in message and "lms-plugin-forked (" in message
    check = lms(app, "plugins", "check")
    assert check.exit_code == 1
    assert f"problem: {message}\n" in check.output
    assert f"  problem: {message}\n" in lms(app, "plugins", "list").output


def test_in_strict_mode_two_distributions_with_one_name_stop_the_start(distributions, tmp_path):
    distributions.install("greeter", GREETER)
    distributions.install("forked", GREETER, entry_point="greeter")

    with pytest.raises(PluginConfigurationError, match="'greeter' is provided by 2 distributions"):
        create_app(
            {
                "LMS_PLUGINS": "greeter",
                "LMS_PLUGINS_STRICT": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            },
            instance_path=str(tmp_path / "i"),
        )


def blueprint_plugin(name: str, prefix: str) -> str:
    return f'''
    from flask import Blueprint

    from lms_core import hookimpl

    bp = Blueprint("board", __name__, url_prefix="{prefix}")


    @bp.get("/")
    def index():
        return "{name}'s board"


    @hookimpl
    def lms_blueprints(app):
        return [bp]
    '''


@pytest.mark.lms_config(LMS_PLUGINS="alpha,beta", **LENIENT)
def test_two_plugins_registering_the_same_blueprint_name_are_both_named(distributions, request):
    distributions.install("alpha", blueprint_plugin("alpha", "/alpha"))
    distributions.install("beta", blueprint_plugin("beta", "/beta"))
    app = request.getfixturevalue("app")

    [message] = problems(app)
    assert message.startswith(
        "plugin 'beta' registers a blueprint named 'board', which plugin 'alpha' already registered; beta's is left out"
    )
    assert app.test_client().get("/alpha/").get_data(as_text=True) == "alpha's board"
    assert app.test_client().get("/beta/").status_code == 404
    assert f"problem: {message}" in lms(app, "plugins", "check").output


SECOND_BOARD = '''
    from flask import Blueprint

    from lms_core import hookimpl

    bp = Blueprint("beta_board", __name__, url_prefix="/board")


    @hookimpl
    def lms_blueprints(app):
        return [bp]
'''


@pytest.mark.lms_config(LMS_PLUGINS="alpha,beta", **LENIENT)
def test_two_plugins_serving_the_same_url_prefix_are_both_named(distributions, request):
    distributions.install("alpha", blueprint_plugin("alpha", "/board"))
    distributions.install("beta", SECOND_BOARD)
    app = request.getfixturevalue("app")
    factory, client = request.getfixturevalue("factory"), request.getfixturevalue("client")

    [message] = problems(app)
    assert message.startswith(
        "plugin 'beta' serves its blueprint 'beta_board' under /board, which plugin 'alpha' already uses"
    )
    # The admin sees it on the plugins page, next to each plugin it concerns.
    admin = factory.user(role="admin")
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    page = client.get("/admin/plugins").get_data(as_text=True)
    for name in ("alpha", "beta"):
        row = page.split(f'id="plugin-{name}"', 1)[1].split("</tr>", 1)[0]
        assert "serves its blueprint &#39;beta_board&#39; under /board" in row


def test_a_plugin_blueprint_named_like_a_core_one_is_refused_naming_the_core(distributions, tmp_path):
    distributions.install(
        "shadow",
        '''
        from flask import Blueprint

        from lms_core import hookimpl


        @hookimpl
        def lms_blueprints(app):
            return [Blueprint("teach", __name__, url_prefix="/shadow")]
    ''',
    )

    with pytest.raises(PluginConfigurationError, match="which the core already registered"):
        create_app(
            {
                "LMS_PLUGINS": "shadow",
                "LMS_PLUGINS_STRICT": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            },
            instance_path=str(tmp_path / "i"),
        )


def model_plugin(class_name: str, table: str) -> dict:
    return {
        "models.py": f'''
        from sqlalchemy.orm import Mapped, mapped_column

        from lms_core import db


        class {class_name}(db.Model):
            __tablename__ = "{table}"
            id: Mapped[int] = mapped_column(primary_key=True)
    '''
    }


MODEL_PLUGIN = '''
    from lms_core import hookimpl

    from . import models  # noqa: F401


    @hookimpl
    def lms_navigation_links(user):
        return []
'''


@pytest.fixture
def forget_tables():
    """Test models join the shared metadata; take their tables out again afterwards."""
    before = set(db.metadata.tables)
    yield
    for name in set(db.metadata.tables) - before:
        db.metadata.remove(db.metadata.tables[name])


@pytest.mark.lms_config(LMS_PLUGINS="hello,hello_x", **LENIENT)
def test_a_plugin_whose_prefix_lies_inside_anothers_is_warned_and_keeps_its_own_tables(
    distributions, request, forget_tables
):
    distributions.install("hello_x", MODEL_PLUGIN, files=model_plugin("HelloXItem", "hello_x_items"))
    app = request.getfixturevalue("app")

    from lms_core import migrate

    assert (
        "the table prefix 'hello_x_' of plugin 'hello_x' lies inside the prefix 'hello_' of plugin 'hello'"
        in "\n".join(problems(app))
    )
    owners = migrate.table_owners()
    # Decided from where the model is declared, not from the name: hello's migrations never get it.
    assert owners["hello_x_items"] == "hello_x"
    assert owners["hello_greetings"] == "hello"
    hello = next(o for o in migrate.owners() if o.name == "hello")
    assert hello.owned_tables == {"hello_greetings"}


@pytest.mark.lms_config(LMS_PLUGINS="shelf", **LENIENT)
def test_a_table_outside_the_plugins_prefix_is_named(distributions, request, forget_tables):
    distributions.install("shelf", MODEL_PLUGIN, files=model_plugin("ShelfBook", "books"))
    app = request.getfixturevalue("app")

    assert (
        "plugin 'shelf' declares the table 'books', outside its prefix 'shelf_': name its tables shelf_*"
        in problems(app)
    )
    assert "problem: plugin 'shelf' declares the table 'books'" in lms(app, "plugins", "check").output


def test_a_newly_installed_plugin_is_not_called_until_its_migrations_ran(app, factory, shelf_migrations):
    calls = []

    @hookimpl
    def lms_migrations_folder():
        return shelf_migrations

    @hookimpl
    def on_enrolled(user, course, enrollment):
        calls.append(user.id)
        with db.engine.connect() as connection:  # fails while the table is missing
            connection.execute(db.text("select count(*) from shelf_items")).scalar_one()

    register_plugin(app, "shelf", lms_migrations_folder, on_enrolled)
    first = factory.user()
    factory.enrol(first, factory.course())  # the enrolment works; the plugin waits

    assert calls == []
    listing = lms(app, "plugins", "list").output
    assert "shelf - enabled, needs `lms db upgrade` (not called until then) hooks:" in listing
    check = lms(app, "plugins", "check")
    assert check.exit_code == 1
    assert "problem: plugin 'shelf' needs `lms db upgrade`: its hooks are not called until then" in check.output

    assert lms(app, "db", "upgrade").exit_code == 0
    second = factory.user()
    factory.enrol(second, factory.course())

    assert calls == [second.id]
    assert "needs `lms db upgrade`" not in lms(app, "plugins", "list").output


UNMARKED = '''
    from lms_core import hookimpl


    @hookimpl
    def lms_navigation_links(user):
        return []


    def on_quiz_passed(user, quiz, attempt):  # the author forgot @hookimpl
        pass


    def helper():  # not named like a hook: nothing to say
        pass
'''


@pytest.mark.lms_config(LMS_PLUGINS="forgetful", **LENIENT)
def test_a_function_named_like_a_hook_without_hookimpl_is_warned_about(distributions, request):
    installed = distributions.install("forgetful", UNMARKED)
    app = request.getfixturevalue("app")

    assert problems(app) == [
        f"plugin 'forgetful': {installed.package}.plugin.on_quiz_passed() is named like a hook "
        f"but has no @hookimpl, so it is never called"
    ]


def lms_process(tmp_path, *args, env=None):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
        "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "x",
        **(env or {}),
    }
    environment.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "lms_core.cli", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def test_a_misspelled_hook_gives_one_line_from_the_lms_command(tmp_path):
    site = tmp_path / "site"
    (site / "lms_typo_cli").mkdir(parents=True)
    (site / "lms_typo_cli" / "__init__.py").write_text("")
    (site / "lms_typo_cli" / "plugin.py").write_text(
        "from lms_core import hookimpl\n\n\n@hookimpl\ndef on_quiz_pased(user, quiz, attempt):\n    pass\n"
    )
    info = site / "lms_plugin_typo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lms-plugin-typo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[lms.plugins]\ntypo = lms_typo_cli.plugin\n")

    result = lms_process(
        tmp_path, "plugins", "list", env={"LMS_PLUGINS": "typo", "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "Error: plugin 'typo' implements 'on_quiz_pased' (lms_typo_cli.plugin), "
        "which is not a hook. Did you mean 'on_quiz_passed'?"
    )


def test_lms_commands_print_alembic_steps_only_when_asked(tmp_path):
    quiet = lms_process(tmp_path, "db", "upgrade", env={"LMS_PLUGINS": "hello"})

    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "upgraded: core\nupgraded: hello\n"
    assert "INFO" not in quiet.stderr

    (tmp_path / "cli.sqlite3").unlink()
    verbose = lms_process(tmp_path, "-v", "db", "upgrade", env={"LMS_PLUGINS": "hello"})
    assert "Running upgrade  -> 0001" in verbose.stderr


@pytest.mark.lms_config(LMS_PLUGINS="hello")
def test_a_plugin_excluded_by_lms_plugins_is_listed_and_cannot_be_enabled_by_mistake(app):
    assert get_plugin_manager().installed["gamification"].excluded

    result = lms(app, "plugins", "enable", "gamification")

    assert result.exit_code == 1
    assert (
        "The plugin gamification is installed but not loaded: the LMS_PLUGINS setting leaves it out. "
        "Add it there and restart."
    ) in result.output


def test_lms_plugins_list_before_the_first_migration_lists_instead_of_failing(tmp_path):
    result = lms_process(tmp_path, "plugins", "list", env={"LMS_PLUGINS": "hello"})

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "hello 0.1.0 enabled, needs `lms db upgrade` (not called until then) hooks:" in result.stdout
