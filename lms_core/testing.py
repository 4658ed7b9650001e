"""Pytest fixtures for the core's tests and for plugin authors (``pytest11`` entry point).

* ``app``: an application on a fresh, migrated database (SQLite in a temporary folder,
  or PostgreSQL when ``LMS_TEST_DATABASE_URL`` is set; Redis when ``LMS_TEST_REDIS_URL``
  is set). Settings come from the ``lms_config`` fixture and ``@pytest.mark.lms_config``.
* ``client``: Flask's test client; ``login(client, user)`` logs a user in.
* ``factory``: builds users, courses, lessons, quizzes and attempts.
* ``run_jobs``: runs the queued jobs (a no-op without Redis, where jobs run inline).
* ``live_server``: the real server (``lms run``) in a subprocess on the ``app``
  fixture's database (``second_live_server``: another web process beside it, sharing
  Redis; ``running_server(app, folder)``: one more, as a context manager);
  ``browser_page``: a Playwright page in Debian's Chromium;
  ``browser_login(page, base_url, user)`` logs in through the form;
  ``screenshots``: the folder a test's screenshots are kept in after the run.
* ``smtp_server``: a real SMTP server (aiosmtpd) that keeps what it receives.

A plugin's ``conftest.py`` sets the settings every one of its tests starts from by
overriding ``lms_base_config`` (``{"LMS_PLUGINS": "myplugin"}``); markers add to them.
For tests, this module also hands out a few core functions (``lms_command``,
``set_plugin_enabled``, ``run_due_tasks``, ``get_plugin_manager``, ``pending_changes``,
``socketio``, ``redeliver_due``: the event log's redelivery, now), so a plugin's tests need no
internal module either.
"""

from __future__ import annotations

import itertools
import contextlib
import os
import shutil
from pathlib import Path

import pytest

PASSWORD = "correct horse battery"


def pytest_configure(config):
    config.addinivalue_line("markers", "lms_config(**settings): settings for the `app` fixture")
    _reuse_url_builders()


def _reuse_url_builders() -> None:
    """The ``app`` fixture builds an application per test, with the same few hundred URL
    rules each time, and Werkzeug compiles two Python functions per rule as it is added
    (measured: about 60 % of ``create_app`` with every plugin). Within a test process
    those functions are kept by what they are made of, the rule and its parse, so each
    is compiled once. A builder reads the rule's converters when called, not when made,
    so sharing it between rules of one shape is exact. Rules whose defaults fill one of
    their own variables bake that value in and are compiled as usual."""
    from werkzeug.routing.rules import Rule

    original = Rule._compile_builder
    if getattr(original, "_lms_reused", False):
        return
    builders: dict = {}

    def compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(dynamic and data in defaults for dynamic, data in self._trace):
            return original(self, append_unknown)
        key = (self.rule, tuple(self._trace), tuple(sorted(defaults)), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = original(self, append_unknown)
        return builder

    compile_builder._lms_reused = True  # type: ignore[attr-defined]
    compile_builder._lms_original = original  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


def _worker_suffix(request) -> str:
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return worker


# For a plugin's tests: core functions they call, imported when first used.
_FOR_TESTS = {
    "lms_command": ("lms_core.cli", "main"),
    "set_plugin_enabled": ("lms_core.services.platform", "set_plugin_enabled"),
    "run_due_tasks": ("lms_core.periodic", "run_due_tasks"),
    "get_plugin_manager": ("lms_core.plugins", "get_plugin_manager"),
    "pending_changes": ("lms_core.migrate", "pending_changes"),
    "socketio": ("lms_core.extensions", "socketio"),
    "redeliver_due": ("lms_core.delivery", "redeliver_due"),
}


def __getattr__(name):
    if name in _FOR_TESTS:
        from importlib import import_module

        module, attribute = _FOR_TESTS[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(name)


@pytest.fixture
def lms_base_config() -> dict:
    """The settings every test of a suite starts from; a plugin's conftest overrides it
    (``return {"LMS_PLUGINS": "myplugin"}``) instead of rewriting ``lms_config``."""
    return {}


@pytest.fixture
def lms_config(request, lms_base_config) -> dict:
    """Extra settings for ``app``: ``lms_base_config``, then ``@pytest.mark.lms_config(...)``
    from the module down to the test."""
    settings = dict(lms_base_config)
    for marker in reversed(list(request.node.iter_markers("lms_config"))):
        settings.update(marker.kwargs)
    return settings


@pytest.fixture(scope="session")
def _lms_database(request, tmp_path_factory):
    """One database per test process: PostgreSQL (created per xdist worker) or a
    migrated SQLite template copied for each test."""
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        return {"kind": "sqlite", "dir": tmp_path_factory.mktemp("lms-db"), "templates": {}}
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from lms_core.config import normalise_database_url

    base = make_url(normalise_database_url(url))
    # LMS_TEST_DB_TAG keeps parallel checkouts on one server apart.
    name = f"{base.database}_{os.environ.get('LMS_TEST_DB_TAG', '')}{_worker_suffix(request)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return {
        "kind": "postgresql",
        "url": base.set(database=name).render_as_string(hide_password=False),
        "migrated": set(),
    }


def _redis_url(request):
    url = os.environ.get("LMS_TEST_REDIS_URL")
    if not url:
        return None
    from redis.connection import parse_url

    worker = _worker_suffix(request)
    base = int(parse_url(url).get("db") or 0)
    number = base + 1 + (int(worker[2:]) if worker.startswith("gw") else 0)
    root = url.split("?")[0].rstrip("/")
    if root.count("/") > 2:
        root = root.rsplit("/", 1)[0]
    return f"{root}/{number}"


@pytest.fixture
def app(request, lms_config, _lms_database, tmp_path):
    from lms_core.app import create_app
    from lms_core.extensions import db

    config = {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "LMS_PLUGINS_STRICT": True,
        "SECRET_KEY": "test-secret",
        "LMS_BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "LMS_EVENTS_VERIFY_SNAPSHOTS": True,
        # Scrypt costs 0.1 s of CPU per hash and per log-in check, and tests make users
        # and log in by the thousand; a stored hash names its method, so servers started
        # from a test check these as quickly.
        "LMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    redis_url = _redis_url(request)
    if redis_url:
        config["REDIS_URL"] = redis_url
    config.update(lms_config)
    plugins_key = str(config.get("LMS_PLUGINS", "all"))

    if _lms_database["kind"] == "sqlite":
        path = tmp_path / "lms.sqlite3"
        template = _lms_database["templates"].get(plugins_key)
        if template is not None:
            shutil.copy(template, path)
        config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{path}")
    else:
        config.setdefault("SQLALCHEMY_DATABASE_URI", _lms_database["url"])

    app = create_app(config, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        _prepare_database(app, _lms_database, plugins_key, tmp_path)
        if app.config.get("REDIS_URL"):
            from lms_core.jobs import redis_connection

            redis_connection(app).flushdb()
        yield app
        db.session.remove()
        db.engine.dispose()


def _prepare_database(app, database, plugins_key, tmp_path):
    from sqlalchemy import inspect

    from lms_core import migrate
    from lms_core.extensions import db

    if database["kind"] == "sqlite":
        if plugins_key not in database["templates"]:
            migrate.upgrade()
            db.engine.dispose()
            template = Path(database["dir"]) / f"template-{len(database['templates'])}.sqlite3"
            shutil.copy(tmp_path / "lms.sqlite3", template)
            database["templates"][plugins_key] = template
        return
    if plugins_key not in database["migrated"]:
        migrate.upgrade()
        database["migrated"].add(plugins_key)
    tables = [t for t in inspect(db.engine).get_table_names() if not t.endswith("alembic_version")]
    if tables:
        _empty_postgresql_tables(tables)


# PostgreSQL's TRUNCATE makes new files for each table and index (2.5 s for the hundred
# tables of every plugin, and a table's TRUNCATE takes every table referring to it along),
# which made it the largest cost of the suite on PostgreSQL. Between tests, only the
# tables an earlier test wrote to are emptied, with DELETE, referring tables first, and
# their ids start at 1 again, as after TRUNCATE ... RESTART IDENTITY.
_SEQUENCE_OWNERS = """
SELECT sequence.relname, owner.relname
FROM pg_class AS sequence
JOIN pg_namespace AS namespace ON namespace.oid = sequence.relnamespace AND namespace.nspname = current_schema()
JOIN pg_depend AS dependency ON dependency.objid = sequence.oid AND dependency.deptype IN ('a', 'i')
JOIN pg_class AS owner ON owner.oid = dependency.refobjid
WHERE sequence.relkind = 'S'
"""
_FOREIGN_KEYS = """
SELECT referring.relname, referred.relname
FROM pg_constraint AS fk
JOIN pg_class AS referring ON referring.oid = fk.conrelid
JOIN pg_class AS referred ON referred.oid = fk.confrelid
JOIN pg_namespace AS namespace ON namespace.oid = referring.relnamespace AND namespace.nspname = current_schema()
WHERE fk.contype = 'f' AND fk.conrelid <> fk.confrelid
"""
_schema_facts: dict[tuple, tuple[list[str], dict[str, list[str]]]] = {}


def _empty_postgresql_tables(tables: list[str]) -> None:
    from graphlib import CycleError, TopologicalSorter

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from lms_core.extensions import db

    with db.engine.begin() as conn:
        key = (str(db.engine.url), tuple(sorted(tables)))
        if key not in _schema_facts:
            owners: dict[str, list[str]] = {}
            for sequence, owner in conn.execute(text(_SEQUENCE_OWNERS)):
                owners.setdefault(owner, []).append(sequence)
            graph: dict[str, set[str]] = {t: set() for t in tables}
            for referring, referred in conn.execute(text(_FOREIGN_KEYS)):
                if referring in graph and referred in graph:
                    graph[referred].add(referring)  # the referring rows go first
            try:
                order = list(TopologicalSorter(graph).static_order())
            except CycleError:
                order = []  # tables that refer to each other: TRUNCATE below
            _schema_facts[key] = (order, owners)
        order, owners = _schema_facts[key]
        used = set(
            conn.execute(
                text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            ).scalars()
        )
        touched = {t for t in tables if used.intersection(owners.get(t, ()))}
        touched |= set(
            conn.execute(
                text(" UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables))
            ).scalars()
        )
        if not touched:
            return
        statements = [f'DELETE FROM "{t}"' for t in order if t in touched]
        statements += [f"SELECT setval('\"{s}\"', 1, false)" for t in sorted(touched) for s in owners.get(t, ())]
        try:
            if not order:
                raise LookupError("no deletion order")
            with conn.begin_nested():
                conn.exec_driver_sql("; ".join(statements))
        except (DBAPIError, LookupError):
            names = ", ".join(f'"{t}"' for t in sorted(touched))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, user, password: str = PASSWORD):
    """Log ``user`` in through the real login form (and its two-factor step when the
    account has it on: the current code is computed from the secret); returns the response."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code in (302, 303), f"login failed: {response.status_code}"
    if response.headers["Location"].endswith("/login/code"):
        import pyotp

        from lms_core.extensions import db

        import time

        db.session.refresh(user)
        totp, now = pyotp.TOTP(user.totp_secret), time.time()
        # a code is good once: take the next step's when this one was used already
        used = user.totp_last_step is not None and user.totp_last_step >= totp.timecode(now)
        response = client.post("/login/code", data={"code": totp.at(now + 30 if used else now)})
        assert response.status_code in (302, 303), f"two-factor step failed: {response.status_code}"
    return response


def inbox_read_in(client, user, language: str) -> dict[str, tuple[str, str]]:
    """``{kind: (title, body)}`` of ``user``'s notifications as they read them after
    switching the interface to ``language`` (the inbox API, signed in through the
    login form): for tests that a notification written in one language is shown in the
    reader's. The last of each kind wins."""
    login(client, user)
    response = client.post("/language", data={"language": language, "next": "/inbox"})
    assert response.status_code in (302, 303), f"switching the language failed: {response.status_code}"
    listed = client.get("/api/v1/notifications?per_page=100").get_json()["items"]
    return {item["kind"]: (item["title"], item["body"]) for item in reversed(listed)}


def session_for(client, user) -> None:
    """Sign ``client`` in as ``user`` without the login form (a server-side session),
    for tests whose app context must outlive requests (Flask-WTF's cached CSRF token)."""
    from lms_core.auth import SESSION_KEY
    from lms_core.extensions import db
    from lms_core.models import UserSession

    record, key = UserSession.open(user, "127.0.0.1", "test")
    db.session.add(record)
    db.session.commit()
    with client.session_transaction() as session:
        session[SESSION_KEY] = key


@pytest.fixture
def run_jobs(app):
    """Run every queued job now (rq in this process); without Redis jobs already ran."""

    def run():
        if not app.config.get("REDIS_URL"):
            return 0
        from rq import SimpleWorker

        from lms_core import jobs

        jobs._worker_app = app
        worker = SimpleWorker([jobs.queue(app)], connection=jobs.redis_connection(app))
        worker.work(burst=True, with_scheduler=False)
        return 1

    return run


class Factory:
    """Builds rows with sensible defaults; every keyword can be overridden."""

    def __init__(self, app):
        self.app = app
        self._numbers = itertools.count(1)

    def user(self, role="student", name=None, email=None, password=PASSWORD, locale=None, **fields):
        from lms_core.services import accounts

        n = next(self._numbers)
        user = accounts.register(
            email or f"{role}{n}@example.org", name or f"{role.title()} {n}", password, role=role, locale=locale
        )
        if fields:
            from lms_core.extensions import db

            for key, value in fields.items():
                setattr(user, key, value)
            db.session.commit()
        return user

    def course(self, teacher=None, title=None, published=True, default_language="en", **fields):
        from lms_core.extensions import db
        from lms_core.services import courses

        teacher = teacher or self.user(role="teacher")
        course = courses.create_course(
            teacher, title or f"Course {next(self._numbers)}", fields.pop("summary", "A course."), default_language
        )
        course.published = published
        for key, value in fields.items():
            setattr(course, key, value)
        db.session.commit()
        courses.course_changed()
        return course

    def lesson(self, course=None, title=None, body="Some **text**.", published=True, position=None):
        from lms_core.extensions import db
        from lms_core.models import Lesson
        from lms_core.services import courses

        course = course or self.course()
        lesson = Lesson(
            course=course,
            title=title or f"Lesson {next(self._numbers)}",
            body=body,
            published=published,
            position=position if position is not None else courses.next_position(course),
        )
        db.session.add(lesson)
        db.session.commit()
        return lesson

    def quiz(
        self,
        course=None,
        title=None,
        pass_percent=60,
        max_attempts=None,
        time_limit_minutes=None,
        questions=None,
        published=True,
        review_policy="never",
        due_at=None,
    ):
        """``questions`` defaults to one single-choice question worth 1 point whose
        correct option is ``"right"``. A question spec may carry ``tolerance``,
        ``feedback`` and (matching) ``matches`` besides kind, text, points, choices and
        accepted_answers."""
        from lms_core.extensions import db
        from lms_core.models import Quiz
        from lms_core.services import courses

        course = course or self.course()
        quiz = Quiz(
            course=course,
            title=title or f"Quiz {next(self._numbers)}",
            pass_percent=pass_percent,
            max_attempts=max_attempts,
            time_limit_minutes=time_limit_minutes,
            published=published,
            review_policy=review_policy,
            due_at=due_at,
            position=courses.next_position(course),
        )
        db.session.add(quiz)
        db.session.commit()
        for spec in questions or [
            {"kind": "single", "text": "Pick the right one", "choices": [("right", True), ("wrong", False)]}
        ]:
            courses.add_question(
                quiz,
                spec["kind"],
                spec["text"],
                spec.get("points", 1),
                spec.get("choices", ()),
                spec.get("accepted_answers", ()),
                tolerance=spec.get("tolerance"),
                feedback=spec.get("feedback", ""),
                matches=spec.get("matches", ()),
            )
        return quiz

    def enrol(self, user, course):
        from lms_core.services import enrolment

        return enrolment.enroll(user, course)

    def attempt(self, user, quiz, correct=True, answers=None):
        """A submitted attempt answering every question right (or wrong), or with
        ``answers`` (question id -> choice ids or text, as ``answers()`` builds them)."""
        from lms_core.services import quizzes

        attempt = quizzes.start_attempt(user, quiz)
        return quizzes.submit_attempt(user, attempt, self.answers(quiz, correct, user) if answers is None else answers)

    def translate(self, course, obj, field: str, language: str, text: str) -> None:
        """Store the translation of one field of a course's object (and commit)."""
        from lms_core.extensions import db
        from lms_core.services.courses import set_translation

        set_translation(course, obj, field, language, text)
        db.session.commit()

    @staticmethod
    def answers(quiz, correct=True, user=None) -> dict:
        """Right (or wrong) answers to every question; ``user``: as that learner's page
        sends them (matching and ordering options by their ``option_code``)."""
        from lms_core.services.quizzes import option_code

        answers = {}
        for q in quiz.questions:
            if q.kind == "single":
                answers[str(q.id)] = next(c.id for c in q.choices if c.correct == correct)
            elif q.kind == "multiple":
                answers[str(q.id)] = [c.id for c in q.choices if c.correct == correct]
            elif q.kind in ("matching", "ordering"):
                ids = [c.id for c in q.choices]
                ids = ids if correct else ids[1:] + ids[:1]
                answers[str(q.id)] = [option_code(user.id, q.id, i) for i in ids] if user is not None else ids
            elif q.kind == "essay":
                answers[str(q.id)] = "My essay." if correct else ""
            elif q.kind == "numeric":
                answers[str(q.id)] = q.accepted_answers[0] if correct else "-999999"
            else:
                answers[str(q.id)] = q.accepted_answers[0] if correct else "no idea"
        return answers


@pytest.fixture
def factory(app):
    return Factory(app)


@pytest.fixture(name="login")
def login_fixture():
    return login


# ---------------------------------------------------------------- the real server and a browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LIVE_SERVER_START_SECONDS = 30
LIVE_SERVER_STOP_SECONDS = 5
BROWSER_TIMEOUT_MS = 15_000


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment(app, base_url: str) -> dict:
    """The settings the server reads from the environment, taken from ``app``'s config,
    so the server and the test share one database, one Redis and one secret key.
    Settings that only exist as config keys (not in ``ENVIRONMENT_SETTINGS``) cannot
    reach the server."""
    from lms_core.config import ENVIRONMENT_SETTINGS

    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_SETTINGS}
    for name in ENVIRONMENT_SETTINGS:
        value = app.config.get(name)
        if value is None or name in ("DATABASE_URL", "LMS_BASE_URL"):
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, (list, tuple, set)):
            value = ",".join(str(v) for v in value)
        env[name] = str(value)
    env["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    env["LMS_BASE_URL"] = base_url
    env["PYTHONUNBUFFERED"] = "1"
    env["LMS_INSTANCE_PATH"] = app.instance_path  # files the server writes stay in the test's folder
    return env


def _wait_until_serving(process, base_url: str, log_path: Path) -> None:
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + LIVE_SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`lms run` exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(base_url + "/login", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers; what it answers is the test's business
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"`lms run` did not answer within {LIVE_SERVER_START_SECONDS}s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server output)"


def _stop(process) -> None:
    import subprocess

    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=LIVE_SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=LIVE_SERVER_STOP_SECONDS)


@contextlib.contextmanager
def running_server(app, folder: Path):
    """Run the real server (``lms run``) in a subprocess on a free port, on ``app``'s
    database and Redis, with its output in ``folder``; yields its base URL and stops it
    (bounded) on leaving. ``live_server`` and ``second_live_server`` are built on it."""
    import subprocess
    import sys

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"live-server-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "lms_core.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=_server_environment(app, base_url),
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(process, base_url, log_path)
        yield base_url
    finally:
        _stop(process)
        print(f"---- output of `lms run` ({log_path})\n{_tail(log_path)}")  # noqa: T201 - shown when a test fails


@pytest.fixture
def live_server(app, tmp_path):
    """The real server (``lms run``: Flask-SocketIO with WebSockets) in a subprocess on a
    free port, on ``app``'s database and Redis; returns its base URL.

    Rows the test builds with ``factory`` are visible to the server, and what the server
    writes is visible to the test (expire the session, ``db.session.expire_all()``, before
    reading it). The server's output is printed when the test fails.
    """
    with running_server(app, tmp_path) as base_url:
        yield base_url


@pytest.fixture
def second_live_server(app, tmp_path, live_server):
    """Another web process like ``live_server``, on the same database and Redis: with
    ``LMS_TEST_REDIS_URL`` set, Socket.IO messages travel between the two through Redis
    (log in on each: a session cookie is valid on both, the host differs only by port)."""
    with running_server(app, tmp_path / "second") as base_url:
        yield base_url


@pytest.fixture(scope="session")
def _lms_browser():
    """One headless Debian chromium per test process (never a downloaded browser)."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_page(_lms_browser):
    """A page in a fresh browser context (no cookies, English ``Accept-Language``),
    closed after the test. ``browser_page.context.new_page()`` opens a second tab of
    the same visitor."""
    context = _lms_browser.new_context(locale="en-US", timezone_id="UTC")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


ARTIFACTS_ENV = "LMS_TEST_ARTIFACTS"


@pytest.fixture
def screenshots(request, _lms_database) -> Path:
    """The folder for this test's screenshots, kept after the run as its artefacts:
    ``$LMS_TEST_ARTIFACTS`` (default ``test-artifacts/`` in the directory pytest runs
    from) ``/screenshots/<database>/<test file>/<test>/``, one tree per pass of the suite
    (sqlite, postgresql). Emptied when the test starts, so it shows this run only."""
    base = Path(os.environ.get(ARTIFACTS_ENV) or Path(request.config.invocation_params.dir) / "test-artifacts")
    test_file = Path(str(request.node.path)).with_suffix("")
    try:
        test_file = test_file.relative_to(request.config.rootpath)
    except ValueError:  # a test outside the checkout (a plugin installed elsewhere)
        test_file = Path(test_file.name)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)[:120]
    folder = base / "screenshots" / _lms_database["kind"] / test_file / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def choose_language(page, code: str) -> None:
    """Switch the interface language with the header's switcher, as a reader would: on a
    narrow screen the header's menus fold behind the Menu button, opened first. Returns
    once the page the switcher leads back to is shown in that language."""
    if page.input_value("#language") == code:
        return  # already shown in it: choosing it again changes (and submits) nothing
    if not page.is_visible("#language") and page.is_visible("#menu-toggle"):
        page.click("#menu-toggle")
    # the menu submits its form: wait for the page it leads to, in the new language, so
    # that a navigation right after cannot cut the submission off
    with page.expect_navigation():
        page.select_option("#language", code)
    page.wait_for_selector(f"html[lang='{code}']", state="attached")


def browser_login(page, base_url: str, user, password: str = PASSWORD) -> None:
    """Log ``user`` in through the login form in the browser; waits for the dashboard."""
    page.goto(base_url + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(base_url + "/dashboard")


# ---------------------------------------------------------------- a real SMTP server


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1 that keeps what it
    receives. ``refuse(address, "550 5.1.1 No such user")`` makes it refuse a recipient
    (a 5xx reply is permanent, a 4xx one temporary); ``config`` is the app's settings."""

    def __init__(self):
        self.port = _free_port()
        self.received: list = []  # (envelope sender, recipients, parsed message, raw bytes)
        self.refusals: dict[str, str] = {}

    @property
    def config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_TIMEOUT": 5}

    def refuse(self, address: str, reply: str) -> None:
        self.refusals[address.lower()] = reply

    @property
    def messages(self) -> list:
        return [message for _sender, _rcpt, message, _raw in self.received]

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        import time

        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.refusals.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        raw = envelope.original_content or envelope.content
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(raw, policy=policy.default), raw)
        )
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    """A running :class:`SmtpServer`; point the app at it with ``lms_config``:
    ``@pytest.fixture def lms_config(smtp_server): return smtp_server.config``."""
    from aiosmtpd.controller import Controller

    server = SmtpServer()
    controller = Controller(server, hostname="127.0.0.1", port=server.port, ready_timeout=10)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


class count_sql:
    """Count the SQL statements the app's engine sends while the block runs (an event
    listener, so nothing is mocked): ``with count_sql(db.engine) as sql: ...; sql.count``.
    Pinning a page's count in a test makes an N+1 query fail it."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []

    def _seen(self, _conn, _cursor, statement, *_args):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)
        return False
