"""The plugin contract, hook by hook: what a plugin that implements a hook changes for
the people who use the LMS. Every hook in ``hookspecs.py`` has a ``test_hook_<name>``
here (``test_every_hook_has_a_test`` fails otherwise).

Plugins are small module objects registered while the app runs, or, for hooks the core
calls while it builds the app, distributions installed on ``sys.path`` with an
``lms.plugins`` entry point (``tests/plugin_helpers.py``).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import types

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from markupsafe import Markup
from sqlalchemy import event

import hookspecs
from lms_core import NavLink, NotificationChannel, PeriodicTask, Refusal, Requirement, events, hookimpl, hookspec
from lms_core.app import create_app
from lms_core.cli import LmsGroup, main
from lms_core.extensions import db
from lms_core.models import Attempt, Enrollment, JobFailure, Notification, PluginError, User
from lms_core.payloads import AttemptInfo, CourseInfo, EnrollmentInfo, LessonInfo, NotificationInfo, QuizInfo, UserInfo
from lms_core.plugins import PluginConfigurationError, get_plugin_manager
from lms_core.services import enrolment, platform, progress
from lms_core.services.notifications import notify
from lms_core.testing import PASSWORD
from tests.plugin_helpers import distributions, register_plugin, shelf_migrations  # noqa: F401 (fixtures)

# The core alone: the only plugins are the ones each test builds.
pytestmark = pytest.mark.lms_config(LMS_PLUGINS="")

HOOKS = sorted(name for name, spec in vars(hookspecs).items() if hasattr(spec, f"{hookspecs.PROJECT_NAME}_spec"))


def text(response) -> str:
    return response.get_data(as_text=True)


def enrolled_student(factory, course, **fields):
    student = factory.user(**fields)
    factory.enrol(student, course)
    return student


def submit(client, factory, quiz, correct=True):
    """Start (or resume) and submit an attempt through the quiz pages."""
    client.post(f"/quizzes/{quiz.id}/start")
    attempt_id = db.session.execute(
        db.select(Attempt.id).where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_(None))
    ).scalar_one()
    answers = factory.answers(quiz, correct)
    return client.post(f"/attempts/{attempt_id}/submit", data={k: str(v) for k, v in answers.items()})


def committed(table: str, row_id: int) -> bool:
    """Whether another connection sees the row: it is committed, not just flushed."""
    with db.engine.connect() as other:
        return other.execute(db.text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": row_id}).first() is not None


def test_every_hook_has_a_test():
    tested = {name.removeprefix("test_hook_") for name in globals() if name.startswith("test_hook_")}
    assert not set(HOOKS) - tested, f"hooks in hookspecs.py without a test_hook_<name>: {sorted(set(HOOKS) - tested)}"
    assert not tested - set(HOOKS), f"test_hook_<name> for hooks that do not exist: {sorted(tested - set(HOOKS))}"


# ====================================================================== setup hooks


def test_hook_lms_addhooks(app, client, factory, login):
    """A badges plugin declares ``on_badge_awarded``; another plugin listens to it with
    ``optionalhook=True`` and so may be registered before the hook exists."""
    heard = []

    @hookimpl(optionalhook=True)
    def on_badge_awarded(user, badge):
        heard.append((user.id, badge))

    register_plugin(app, "trophies", on_badge_awarded)

    def on_badge_awarded_spec(user, badge):
        """A badge was awarded to ``user`` (a snapshot)."""

    on_badge_awarded_spec.__name__ = "on_badge_awarded"
    badge_specs = types.ModuleType("badge_specs")
    badge_specs.on_badge_awarded = hookspec(on_badge_awarded_spec)

    @hookimpl
    def lms_addhooks(pluginmanager):
        pluginmanager.add_hookspecs(badge_specs)

    @hookimpl
    def on_quiz_passed(user, quiz, attempt):
        events.emit("on_badge_awarded", user=user, badge="first pass")
        events.commit()

    register_plugin(app, "badges", lms_addhooks, on_quiz_passed)
    course = factory.course()
    quiz = factory.quiz(course)
    student = enrolled_student(factory, course)
    login(client, student)

    submit(client, factory, quiz)

    assert heard == [(student.id, "first pass")]
    assert get_plugin_manager().pm.hook.on_badge_awarded.spec.argnames == ("user", "badge")

    @hookimpl
    def on_badge_revoked(user):
        pass

    with pytest.raises(PluginConfigurationError, match="on_badge_revoked"):
        register_plugin(app, "hasty", on_badge_revoked)  # nobody declares it, and it is not optional


KIOSK = '''
    from flask import Blueprint

    from lms_core import hookimpl

    SITE = []


    @hookimpl
    def lms_blueprints(app):
        bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
        site = app.config["LMS_SITE_NAME"]

        @bp.route("/")
        def index():
            return f"<h1>The kiosk of {site}</h1>"

        return [bp]
'''


@pytest.mark.lms_config(LMS_PLUGINS="kiosk", LMS_SITE_NAME="Riverside College")
def test_hook_lms_blueprints(distributions, request):
    distributions.install("kiosk", KIOSK)
    app = request.getfixturevalue("app")

    response = app.test_client().get("/kiosk/")

    assert response.status_code == 200
    assert text(response) == "<h1>The kiosk of Riverside College</h1>"
    assert app.extensions["lms_blueprint_owners"]["kiosk"] == "kiosk"


TICKETS = '''
from flask import jsonify

from lms_core import api_blueprint, current_user, hookimpl


@hookimpl
def lms_blueprints(app):
    bp = api_blueprint("tickets_api", __name__, "/api/v1/tickets", public=("punch", "open_door"), sessionless=("punch",))

    @bp.post("/<token>/punch")
    def punch(token):
        return jsonify(token=token, user=current_user.email if current_user else None)

    @bp.get("/door")
    def open_door():
        return jsonify(user=current_user.email if current_user else None)

    return [bp]
'''


@pytest.mark.lms_config(LMS_PLUGINS="tickets")
def test_a_sessionless_api_view_loads_no_session(distributions, request):
    from lms_core.testing import count_sql, login

    distributions.install("tickets", TICKETS)
    app = request.getfixturevalue("app")
    factory = request.getfixturevalue("factory")
    client = app.test_client()
    login(client, factory.user(email="pat@example.org"))
    with count_sql(db.engine) as sql:
        punched = client.post("/api/v1/tickets/t0k3n/punch")
    assert punched.status_code == 200 and punched.get_json() == {"token": "t0k3n", "user": None}
    assert sql.count == 0  # the signed-in browser's session was not read
    assert client.get("/api/v1/tickets/door").get_json() == {"user": "pat@example.org"}  # a public view: it is

    from lms_core import api_blueprint

    with pytest.raises(ValueError, match="must be public"):
        api_blueprint("bad_api", __name__, sessionless=("punch",))


def test_hook_lms_cli_commands(app, factory):
    import click

    @click.command("count-learners")
    def count_learners():
        """How many students there are."""
        total = db.session.execute(db.select(db.func.count(User.id)).where(User.role == "student")).scalar_one()
        click.echo(f"{total} learners")

    @hookimpl
    def lms_cli_commands():
        return [count_learners]

    register_plugin(app, "census", lms_cli_commands)
    factory.user()
    factory.user()

    # A fresh `lms` group, as a new process would build it, on this app.
    result = app.test_cli_runner().invoke(LmsGroup(), ["count-learners"])

    assert result.exit_code == 0, result.output
    assert result.output == "2 learners\n"


def test_hook_lms_migrations_folder(app, shelf_migrations):
    @hookimpl
    def lms_migrations_folder():
        return shelf_migrations

    register_plugin(app, "shelf", lms_migrations_folder)
    runner = app.test_cli_runner()

    first = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "upgraded: core" in first.output and "upgraded: shelf" in first.output
    with db.engine.begin() as connection:
        assert connection.execute(db.text("SELECT version_num FROM shelf_alembic_version")).scalars().all() == [
            "shelf0001"
        ]
        assert "shelf0001" not in connection.execute(db.text("SELECT version_num FROM alembic_version")).scalars().all()
        connection.execute(db.text("INSERT INTO shelf_items (title) VALUES ('Atlas')"))

    second = runner.invoke(main, ["db", "upgrade"])

    assert second.exit_code == 0, second.output
    with db.engine.connect() as connection:
        assert connection.execute(db.text("SELECT title FROM shelf_items")).scalars().all() == ["Atlas"]


ALMANAC = '''
    from pathlib import Path

    from flask import Blueprint

    from lms_core import gettext as _, hookimpl

    bp = Blueprint("almanac", __name__, url_prefix="/almanac")


    @bp.route("/")
    def index():
        return _("Almanac of the day")


    @hookimpl
    def lms_blueprints(app):
        return [bp]


    @hookimpl
    def lms_translations_folder():
        return Path(__file__).parent / "translations"
'''


def compiled_catalogue(locale: str, messages: dict[str, str]) -> bytes:
    import io

    catalog = Catalog(locale=locale)
    for source, translated in messages.items():
        catalog.add(source, translated)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


@pytest.mark.lms_config(LMS_PLUGINS="almanac")
def test_hook_lms_translations_folder(distributions, request):
    distributions.install(
        "almanac",
        ALMANAC,
        files={
            "translations/ru/LC_MESSAGES/messages.mo": compiled_catalogue("ru", {"Almanac of the day": "Альманах дня"}),
        },
    )
    client = request.getfixturevalue("app").test_client()

    assert text(client.get("/almanac/", headers={"Accept-Language": "ru"})) == "Альманах дня"
    assert text(client.get("/almanac/", headers={"Accept-Language": "en"})) == "Almanac of the day"


DIGESTS = []


def test_hook_lms_periodic_tasks(app, factory, run_jobs):
    DIGESTS.clear()

    def send_digest():
        # Runs with the app: the database is there.
        DIGESTS.append(db.session.execute(db.select(db.func.count(User.id))).scalar_one())

    @hookimpl
    def lms_periodic_tasks():
        return [PeriodicTask("weekly-digest", send_digest, interval=7 * 24 * 3600)]

    register_plugin(app, "digest", lms_periodic_tasks)
    factory.user()
    runner = app.test_cli_runner()

    first = runner.invoke(main, ["tick"])
    run_jobs()
    second = runner.invoke(main, ["tick"])  # a minute later, say: not due yet
    run_jobs()

    # the core's own tasks (the event log's) run beside the plugin's
    assert "ran: weekly-digest" in first.output.splitlines()
    assert "weekly-digest" not in second.output
    assert DIGESTS == [1]


def test_hook_lms_notification_texts(app, factory, client, login):
    def greeting(params):
        from flask_babel import get_locale

        if str(get_locale()) == "ru":
            return f"Привет, {params['name']}", "Текст"
        return f"Hello, {params['name']}"

    def broken(params):
        raise KeyError("name")

    @hookimpl
    def lms_notification_texts():
        return {"greeter.hello": greeting, "greeter.broken": broken}

    register_plugin(app, "greeter", lms_notification_texts)
    student = factory.user(locale="en")
    notify(student, "greeter.hello", "Hello, Ann (as stored)", params={"name": "Ann"})
    notify(student, "greeter.broken", "Stored text")
    login(client, student)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Hello, Ann" in inbox and "(as stored)" not in inbox and "Stored text" in inbox
    client.post("/language", data={"language": "ru", "next": "/inbox"})
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Привет, Ann" in inbox and "Текст" in inbox  # the reader's language now, not the recipient's then
    listed = client.get("/api/v1/notifications").get_json()["items"]
    assert {item["title"] for item in listed} == {"Привет, Ann", "Stored text"}


def test_notify_without_a_title_draws_it_with_the_kinds_renderer_and_dates_follow_the_reader(
    app, factory, client, login, monkeypatch
):
    from datetime import datetime, timezone

    from flask_babel import gettext

    from lms_core import moment_param, notification_when

    def due(params):
        if "due" not in params:
            return None  # an older row: shown as stored
        return gettext("Due on %(when)s", when=notification_when(params["due"])), "body"

    @hookimpl
    def lms_notification_texts():
        return {"clock.due": due}

    register_plugin(app, "clock", lms_notification_texts)
    moment = datetime(2031, 3, 4, 9, 30, tzinfo=timezone.utc)
    tokyo = factory.user(locale="en", timezone="Asia/Tokyo")
    written = notify(tokyo, "clock.due", params={"due": moment_param(moment)})
    notify(tokyo, "clock.due", "Stored long ago", params={"other": 1})
    # written in the recipient's zone, whoever's request caused it
    assert written.title == "Due on Mar 4, 2031, 6:30\u202fPM (Asia/Tokyo)" and written.body == "body"
    with pytest.raises(ValueError):
        notify(tokyo, "nobody.renders.this", params={})
    login(client, tokyo)
    titles = [item["title"] for item in client.get("/api/v1/notifications").get_json()["items"]]
    assert sorted(titles) == ["Due on Mar 4, 2031, 6:30\u202fPM (Asia/Tokyo)", "Stored long ago"]
    client.post("/language", data={"language": "ru", "next": "/inbox"})
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "4 мар. 2031\u202fг., 18:30 (Asia/Tokyo)" in inbox and "Stored long ago" in inbox
    assert notification_when("not a date", "as stored") == "as stored" and notification_when("", "kept") == "kept"
    # A moment written without its zone (a plugin's own naive isoformat()) is read as UTC,
    # whatever the server's own zone.
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with app.test_request_context():
            naive, aware = notification_when("2031-03-04T09:30:00"), notification_when(moment_param(moment))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert naive == aware


def test_names_of_course_content_in_notifications_are_shown_in_the_readers_language(app, client, factory, login):
    from flask_babel import force_locale

    from lms_core import name_params, notification_name, set_translation

    def starts(params):
        return f"Course: {notification_name(params, 'course')}", ""

    @hookimpl
    def lms_notification_texts():
        return {"clock.course": starts}

    register_plugin(app, "clock", lms_notification_texts)
    course = factory.course(title="Astronomy")
    set_translation(course, course, "title", "ru", "Астрономия")
    untranslated = factory.course(title="Geology")
    db.session.commit()
    reader = factory.user(locale="ru")
    kept = name_params("course", course, reader)
    assert kept["course"] == "Астрономия"  # the recipient's text, for channels' templates
    assert kept["course_names"] == {"language": "en", "text": "Astronomy", "translations": {"ru": "Астрономия"}}
    assert name_params("course", course)["course"] == "Astronomy"  # no recipient: the course's language
    with app.test_request_context():
        for language, shown in (
            ("ru", "Астрономия"),
            ("en", "Astronomy"),
            ("de", "Astronomy"),
            ("ru_RU", "Астрономия"),
        ):
            with force_locale(language):
                assert notification_name(kept, "course") == shown, language
        with force_locale("ru"):
            assert notification_name(name_params("course", untranslated), "course") == "Geology"
            assert notification_name({"course": "As written"}, "course") == "As written"  # an older row
            assert notification_name({}, "course") == ""
    english = factory.user(locale="en")
    written = notify(english, "clock.course", params=name_params("course", course, english))
    assert written.title == "Course: Astronomy"
    login(client, english)
    client.post("/language", data={"language": "ru", "next": "/inbox"})
    [item] = client.get("/api/v1/notifications").get_json()["items"]
    assert item["title"] == "Course: Астрономия"


def test_hook_lms_notification_channels(app, factory, run_jobs):
    delivered = []

    class Pager(NotificationChannel):
        name = "pager"

        def wants(self, notification, user):
            return notification.kind != "quiet"

        def deliver(self, notification, user):
            assert isinstance(notification, NotificationInfo) and isinstance(user, UserInfo)
            delivered.append((notification.title, notification.params, user.email))

    @hookimpl
    def lms_notification_channels():
        return [Pager()]

    register_plugin(app, "pager", lms_notification_channels)
    student = factory.user(email="pat@example.org")

    notify(student, "course.starting", "The course starts tomorrow", params={"course": "Python", "days": 1})
    notify(student, "quiet", "Just for the inbox")
    run_jobs()

    # the channel gets the values the message was made from, to render its own templates
    assert delivered == [("The course starts tomorrow", {"course": "Python", "days": 1}, "pat@example.org")]
    titles = (
        db.session.execute(
            db.select(Notification.title).where(Notification.user_id == student.id).order_by(Notification.id)
        )
        .scalars()
        .all()
    )
    assert titles == ["The course starts tomorrow", "Just for the inbox"]  # the inbox has everything


def test_a_failing_notification_channel_is_a_failed_job_not_a_lost_notification(app, factory, run_jobs):
    class BrokenMailer(NotificationChannel):
        name = "mail"

        def deliver(self, notification, user):
            raise ConnectionError("SMTP server is down")

    @hookimpl
    def lms_notification_channels():
        return [BrokenMailer()]

    register_plugin(app, "mailer", lms_notification_channels)
    student = factory.user()

    notify(student, "news", "Hello")
    run_jobs()

    assert db.session.execute(db.select(Notification.title)).scalars().all() == ["Hello"]
    failure = db.session.execute(db.select(JobFailure)).scalars().first()
    assert failure is not None and "SMTP server is down" in failure.message


def test_hook_lms_openapi(app, client):
    @hookimpl
    def lms_openapi():
        return {
            "paths": {
                "/library/books": {
                    "get": {
                        "operationId": "libraryListBooks",
                        "summary": "Books on the shelf",
                        "tags": ["library"],
                        "responses": {"200": {"description": "The books"}},
                    }
                }
            },
            "components": {"schemas": {"LibraryBook": {"type": "object", "properties": {"title": {"type": "string"}}}}},
            "tags": [{"name": "library"}],
        }

    register_plugin(app, "library", lms_openapi)

    document = client.get("/api/v1/openapi.json").get_json()

    assert document["paths"]["/library/books"]["get"]["operationId"] == "libraryListBooks"
    assert "/courses" in document["paths"]  # merged into the core's document, not replacing it
    assert document["components"]["schemas"]["LibraryBook"]["properties"] == {"title": {"type": "string"}}
    assert {"name": "library"} in document["tags"]

    platform.set_plugin_enabled("library", False)

    assert "/library/books" not in client.get("/api/v1/openapi.json").get_json()["paths"]


@pytest.mark.lms_config(LMS_PLUGINS="")
def test_hook_lms_demo_data(app):
    """A plugin adds its part of the large demo with the platform's bulk insert, and
    what it returns is printed with its name."""
    from lms_core.demo_large import Volumes, load_large_demo

    seen = {}

    @hookimpl
    def lms_demo_data(platform):
        seen["learners"] = len(platform.learner_ids)
        rows = (
            {
                "user_id": user_id,
                "kind": "visits.welcome",
                "title": "Welcome",
                "body": "",
                "params": {},
                "created_at": platform.moment(),
            }
            for user_id in platform.learner_ids
        )
        return [f"{platform.insert(Notification, rows)} welcome notes"]

    register_plugin(app, "visits", lms_demo_data)
    lines = load_large_demo(
        Volumes(
            users=30,
            courses=4,
            big_course_learners=10,
            big_course_items=5,
            lessons_per_course=1,
            courses_per_learner=1,
            activity_facts=20,
            attempts=10,
        )
    )

    assert seen["learners"] == 28  # every student (the admin and the teacher are not)
    assert "visits: 28 welcome notes" in lines
    assert (
        db.session.execute(
            db.select(db.func.count(Notification.id)).where(Notification.kind == "visits.welcome")
        ).scalar_one()
        == 28
    )


LECTURES = '''
    from lms_core import hookimpl


    @hookimpl
    def lms_content_security_policy(app):
        return {"frame-src": ["https://meet.example.org"], "connect-src": ["wss://meet.example.org"]}
'''


@pytest.mark.lms_config(LMS_PLUGINS="lectures", LMS_CSP_EXTRA={"img-src": ["https://images.example.org"]})
def test_hook_lms_content_security_policy(distributions, request):
    distributions.install("lectures", LECTURES)
    app = request.getfixturevalue("app")

    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}

    assert directives["frame-src"] == ["'self'", "https://meet.example.org"]  # the plugin's provider may be framed
    assert directives["connect-src"] == ["'self'", "wss://meet.example.org"]
    assert directives["img-src"] == ["'self'", "data:", "https://images.example.org"]  # the admin's setting
    assert directives["script-src"] == ["'self'"]  # and scripts still come only from the site
    permissions = app.test_client().get("/login").headers["Permissions-Policy"]
    assert 'camera=(self "https://meet.example.org")' in permissions and "geolocation=()" in permissions


def test_hook_lms_completion_requirements(app, client, factory, login):
    handed_in = set()
    calls = []

    @hookimpl
    def lms_completion_requirements(user, course):
        calls.append((type(user), type(course)))
        return [Requirement("Hand in the essay", met=user.id in handed_in, url="/essays")]

    register_plugin(app, "essays", lms_completion_requirements)
    course = factory.course()
    lesson = factory.lesson(course)
    student = enrolled_student(factory, course)
    login(client, student)

    client.post(f"/lessons/{lesson.id}/complete")

    page = text(client.get(f"/courses/{course.slug}"))
    assert 'href="/essays">Hand in the essay</a>' in page
    assert "Progress: 1 of 2 requirements met" in page
    assert enrolment.find(student.id, course.id).status == "active"
    assert (UserInfo, CourseInfo) in calls

    handed_in.add(student.id)
    assert progress.check_completion(student.id, course.id) is True  # what the plugin calls once it is met

    assert 'id="course-completed"' in text(client.get(f"/courses/{course.slug}"))


# ====================================================================== page hooks


def test_hook_lms_navigation_links(app, client, factory, login):
    @hookimpl
    def lms_navigation_links(user):
        if user is None:
            return []
        return [
            NavLink("Library", "/library"),
            NavLink("Reports", "/reports", area="admin"),
            NavLink("Shelf", "/shelf", area="reading"),  # an area the core does not know: a main link
            NavLink("My shelf settings", "/shelf/settings", area="account"),
        ]

    register_plugin(app, "library", lms_navigation_links)

    assert "Library" not in text(client.get("/"))
    login(client, factory.user())
    page = text(client.get("/"))
    assert '<a href="/library" class="nav-main">Library</a>' in page
    assert '<a href="/reports" class="nav-admin">Reports</a>' in page
    assert '<a href="/shelf" class="nav-main">Shelf</a>' in page
    assert "/shelf/settings" not in page  # account links are listed on the account page
    assert page.index("My learning") < page.index("Library")  # the core's links come first


def test_hook_lms_course_page_fragments(app, client, factory, login):
    seen = []

    @hookimpl
    def lms_course_page_fragments(user, course):
        seen.append((user, course.slug))
        return [Markup('<p id="forum-box">Discuss this course</p>'), "<b>plain text is escaped</b>"]

    register_plugin(app, "forum", lms_course_page_fragments)
    course = factory.course()

    page = text(client.get(f"/courses/{course.slug}"))

    assert '<p id="forum-box">Discuss this course</p>' in page
    assert "&lt;b&gt;plain text is escaped&lt;/b&gt;" in page
    assert seen == [(None, course.slug)]  # an anonymous visitor
    student = factory.user()
    login(client, student)
    client.get(f"/courses/{course.slug}")
    assert seen[-1][0] == UserInfo.of(student)


def test_a_single_fragment_returned_as_it_is_stays_whole(app, client, factory):
    @hookimpl
    def lms_course_page_fragments(user, course):
        return Markup('<p id="one-box">One fragment</p>')  # not wrapped in a list

    register_plugin(app, "single", lms_course_page_fragments)
    page = text(client.get(f"/courses/{factory.course().slug}"))
    assert '<p id="one-box">One fragment</p>' in page


def test_hook_lms_course_workspace_tabs(app, client, factory, login):
    from lms_core import WorkspaceTab

    seen = []

    @hookimpl
    def lms_course_workspace_tabs(user, course):
        seen.append((user.id, course.id))
        return [
            WorkspaceTab("forum", "Forum", f"/forum/{course.id}", count=3, order=5),
            WorkspaceTab("wiki", "Wiki", f"/wiki/{course.id}"),
        ]

    register_plugin(app, "forum", lms_course_workspace_tabs)
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    page = text(client.get(f"/teach/courses/{course.id}"))

    assert re.search(rf'<a href="/forum/{course.id}" data-tab="forum"\s*>Forum <span class="count">3</span></a>', page)
    assert page.index('data-tab="forum"') < page.index('data-tab="wiki"')  # by order, after the core's tabs
    assert page.index('data-tab="gradebook"') < page.index('data-tab="forum"')
    assert seen == [(teacher.id, course.id)]  # once a page, however often the tabs are drawn
    # Only for people who may edit the course: a student asking never reaches the hook.
    login(client, enrolled_student(factory, course))
    assert client.get(f"/teach/courses/{course.id}").status_code == 403
    assert len(seen) == 1


def test_hook_lms_gradebook_items(app, client, factory, login):
    from lms_core import GradebookItem

    asked = []

    @hookimpl
    def lms_gradebook_items(course, user_ids):
        asked.append(user_ids)
        return [
            GradebookItem("visits:visit:1", "Museum visit", 10, {uid: 7.5 for uid in (user_ids or [])}),
            GradebookItem("visits:broken", "Broken", 0, {}),  # no maximum: left out
        ]

    register_plugin(app, "visits", lms_gradebook_items)
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    student = enrolled_student(factory, course, name="Vera")
    login(client, teacher)

    page = text(client.get(f"/teach/courses/{course.id}/gradebook"))

    assert 'data-key="visits:visit:1"' in page and "Museum visit" in page
    assert "Broken" not in page
    assert asked == [[student.id]]  # only the learners of the page
    row = page[page.index(f'data-user="{student.id}"') :]
    assert ">7.5<" in row[: row.index("</tr>")]
    assert "75%" in row[: row.index("</tr>")]  # the only item: the total is its percentage


def test_hook_lms_teacher_todo(app, client, factory, login):
    from lms_core import TodoItem

    counts = {"questions": 4}

    @hookimpl
    def lms_teacher_todo(user):
        return [
            TodoItem("Questions to answer", "/chat/inbox", counts["questions"]),
            TodoItem("Nothing here", "/nothing", 0),  # a count of 0 is not shown
        ]

    register_plugin(app, "chat", lms_teacher_todo)
    teacher = factory.user(role="teacher")
    login(client, teacher)

    page = text(client.get("/teach/todo"))

    assert 'href="/chat/inbox">Questions to answer</a> <span class="nav-count">4</span>' in page
    assert "Nothing here" not in page
    assert "To do (4)" in page  # the count in the menu
    login(client, enrolled_student(factory, factory.course()))
    assert client.get("/teach/todo").status_code == 403


def test_hook_lms_dashboard_fragments(app, client, factory, login):
    @hookimpl
    def lms_dashboard_fragments(user):
        return [Markup('<p id="streak">{} has a 3-day streak</p>').format(user.name)]

    register_plugin(app, "streaks", lms_dashboard_fragments)
    login(client, factory.user(name="Zoë <Z>"))

    page = text(client.get("/dashboard"))

    assert '<p id="streak">Zoë &lt;Z&gt; has a 3-day streak</p>' in page


def test_hook_lms_dashboard_upcoming(app, client, factory, login):
    """A field-trips plugin's trip and a plugin's broken item: the dashboard's "Coming up"
    merges the trip with the core's quiz deadline in time order and leaves the broken one out."""
    from datetime import datetime, timedelta, timezone

    from lms_core import UpcomingItem

    course = factory.course(title="Geology")
    soon, later = (datetime.now(timezone.utc) + timedelta(days=d) for d in (2, 5))
    factory.quiz(course, title="Rocks quiz", due_at=later)
    student = factory.user()
    factory.enrol(student, course)
    seen = []

    @hookimpl
    def lms_dashboard_upcoming(user, course_ids, taught_course_ids):
        seen.append((user.id, course_ids, taught_course_ids))
        return [
            UpcomingItem(
                UpcomingItem.LIVE_SESSION,
                "Quarry walk",
                "/trips/1",
                soon,
                course_id=course_ids[0],
                label="Trip",
                note="Bring boots",
                action_label="Sign up",
                action_url="/trips/1/go",
            ),
            UpcomingItem("picnic", "Unknown kind", "/x", soon),
            UpcomingItem(UpcomingItem.DEADLINE, "No time zone", "/y", soon.replace(tzinfo=None)),
            "not an item",
        ]

    register_plugin(app, "trips", lms_dashboard_upcoming)
    login(client, student)
    page = text(client.get("/dashboard"))

    assert seen == [(student.id, [course.id], [])]
    coming = page[page.index('id="upcoming-deadlines"') :]
    assert coming.index("Quarry walk") < coming.index("Rocks quiz")
    assert 'data-kind="live_session"' in coming and "Bring boots" in coming and 'href="/trips/1/go"' in coming
    assert "· Geology ·" in coming
    assert "Unknown kind" not in page and "No time zone" not in page and "not an item" not in page
    login(client, factory.user())  # nobody enrolled in anything: the hook is not asked
    client.get("/dashboard")
    assert len(seen) == 1
    teacher = factory.user(role="teacher")
    taught = factory.course(teacher=teacher, title="Minerals")
    factory.enrol(teacher, course)  # a teacher may learn in another course too
    login(client, teacher)
    client.get("/dashboard")
    assert seen[-1] == (teacher.id, [course.id], [taught.id])


def test_hook_lms_permission_allowed(app, client, factory, login):
    """An auditing plugin lets one teacher into the admin pages and keeps everybody out
    of a course that is closed; on everything else it has no opinion."""
    auditor = factory.user(role="teacher", email="auditor@example.org")
    closed = factory.course(title="Closed for renovation")

    @hookimpl
    def lms_permission_allowed(user, action, target):
        if action == "admin.access" and user is not None and user.email == "auditor@example.org":
            return True
        if action == "course.enroll" and getattr(target, "id", None) == closed.id:
            return False
        return None

    register_plugin(app, "audit", lms_permission_allowed)

    login(client, auditor)
    assert client.get("/admin/").status_code == 200
    other = app.test_client()
    login(other, factory.user(role="teacher"))
    assert other.get("/admin/").status_code == 403

    student = factory.user()
    login(client, student)
    assert client.post(f"/courses/{closed.slug}/enrol").status_code == 403
    open_course = factory.course()
    assert client.post(f"/courses/{open_course.slug}/enrol").status_code == 303
    assert enrolment.find(student.id, closed.id) is None and enrolment.find(student.id, open_course.id) is not None


# ====================================================================== filter hooks


def test_hook_lms_before_register(app, client, factory, login):
    seen = []

    @hookimpl
    def lms_before_register(email, name):
        seen.append((email, name))
        if not email.endswith("@school.example"):
            return Refusal("Only addresses at school.example may have an account.", code="domain_not_allowed")
        return None

    register_plugin(app, "school-only", lms_before_register)
    login(client, factory.user(role="admin", email="head@school.example"))
    form = {"name": "Val", "password": PASSWORD, "role": "student"}

    refused = client.post("/admin/users/new", data={**form, "email": "val@elsewhere.example"})

    assert refused.status_code == 403
    assert "Only addresses at school.example may have an account." in text(refused)
    assert db.session.execute(db.select(User).where(User.name == "Val")).first() is None
    assert client.post("/admin/users/new", data={**form, "email": "Val@School.example"}).status_code == 303
    assert seen[-2:] == [("val@elsewhere.example", "Val"), ("val@school.example", "Val")]


def test_hook_lms_before_enroll(app, client, factory, login):
    @hookimpl
    def lms_before_enroll(user, course):
        assert isinstance(user, UserInfo) and isinstance(course, CourseInfo)
        if course.title == "Masterclass":
            return Refusal("The masterclass is full.", code="course_full")
        return None

    register_plugin(app, "capacity", lms_before_enroll)
    masterclass = factory.course(title="Masterclass")
    student = factory.user()
    login(client, student)

    response = client.post(f"/courses/{masterclass.slug}/enrol")

    assert "The masterclass is full." in text(client.get(response.location))
    assert db.session.execute(db.select(Enrollment)).first() is None


def test_a_held_enrolment_is_pending_until_the_plugin_activates_it(app, client, factory, login):
    enrolled = []

    @hookimpl
    def lms_before_enroll(user, course):
        return Refusal("Waiting for your payment.", code="payment_pending", hold=True)

    @hookimpl
    def on_enrolled(user, course, enrollment):
        enrolled.append(enrollment.status)

    register_plugin(app, "payments", lms_before_enroll, on_enrolled)
    course = factory.course()
    lesson = factory.lesson(course)
    student = factory.user()
    login(client, student)

    client.post(f"/courses/{course.slug}/enrol")

    held = enrolment.find(student.id, course.id)
    assert held.status == "pending" and held.hold_reason == "Waiting for your payment."
    assert "Your enrolment is on hold: Waiting for your payment." in text(client.get(f"/courses/{course.slug}"))
    assert client.get(f"/lessons/{lesson.id}").status_code == 403
    assert enrolled == []

    enrolment.activate(held.id)  # the payment arrived

    assert enrolled == ["active"]
    assert client.get(f"/lessons/{lesson.id}").status_code == 200


def test_a_hold_sends_the_learner_where_the_plugin_says_and_access_can_be_held_again(app, client, factory, login):
    @hookimpl
    def lms_before_enroll(user, course):
        return Refusal("Waiting for your payment.", code="payment_pending", hold=True, url="/pay/here")

    register_plugin(app, "payments", lms_before_enroll)
    course = factory.course()
    lesson = factory.lesson(course)
    student = factory.user()
    login(client, student)

    response = client.post(f"/courses/{course.slug}/enrol")

    assert response.status_code == 303 and response.headers["Location"] == "/pay/here"
    held = enrolment.find(student.id, course.id)
    enrolment.activate(held.id)
    from lms_core.services import progress

    progress.complete_lesson(student, lesson)

    enrolment.hold(held.id, "Your payment was refunded.")  # access ends, progress stays

    assert client.get(f"/lessons/{lesson.id}").status_code == 403
    assert progress.completed_lesson_ids(student.id, course.id) == {lesson.id}
    enrolment.activate(held.id)
    assert client.get(f"/lessons/{lesson.id}").status_code == 200

    enrolment.withdraw(held.id)  # the enrolment goes, and the learner's progress with it

    assert enrolment.find(student.id, course.id) is None
    assert progress.completed_lesson_ids(student.id, course.id) == set()


def test_a_refusal_wins_over_a_hold(app, client, factory, login):
    @hookimpl
    def lms_before_enroll(user, course):
        return Refusal("Waiting for your payment.", hold=True)

    register_plugin(app, "payments", lms_before_enroll)

    @hookimpl
    def lms_before_enroll(user, course):  # noqa: F811 - a second plugin's implementation
        return Refusal("Enrolment has closed.")

    register_plugin(app, "deadlines", lms_before_enroll)
    course = factory.course()
    student = factory.user()
    login(client, student)

    response = client.post(f"/courses/{course.slug}/enrol")

    assert "Enrolment has closed." in text(client.get(response.location))
    assert enrolment.find(student.id, course.id) is None


def test_hook_lms_before_quiz_attempt(app, client, factory, login):
    unlocked = set()

    @hookimpl
    def lms_before_quiz_attempt(user, quiz):
        assert isinstance(quiz, QuizInfo)
        if user.id not in unlocked:
            return Refusal("Watch the introduction video first.", code="video_not_watched")
        return None

    register_plugin(app, "prerequisites", lms_before_quiz_attempt)
    course = factory.course()
    quiz = factory.quiz(course)
    student = enrolled_student(factory, course)
    login(client, student)

    response = client.post(f"/quizzes/{quiz.id}/start")

    assert "Watch the introduction video first." in text(client.get(response.location))
    assert db.session.execute(db.select(Attempt)).first() is None
    unlocked.add(student.id)
    client.post(f"/quizzes/{quiz.id}/start")
    assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar_one() == 1


def test_hook_lms_before_quiz_submit(app, client, factory, login):
    seen = []

    @hookimpl
    def lms_before_quiz_submit(user, quiz, attempt, answers):
        seen.append((attempt.number, answers))
        if any("http" in str(answer) for answer in answers.values()):
            return Refusal("Links are not allowed in answers.", code="links_not_allowed")
        return None

    register_plugin(app, "no-links", lms_before_quiz_submit)
    course = factory.course()
    quiz = factory.quiz(
        course, questions=[{"kind": "text", "text": "Capital of France?", "accepted_answers": ["Paris"]}]
    )
    question_id = str(quiz.questions[0].id)
    student = enrolled_student(factory, course)
    login(client, student)
    client.post(f"/quizzes/{quiz.id}/start")
    attempt = db.session.execute(db.select(Attempt)).scalar_one()

    response = client.post(f"/attempts/{attempt.id}/submit", data={question_id: "see http://wiki.example"})

    assert "Links are not allowed in answers." in text(client.get(response.location))
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at is None  # still open: the student may try again
    client.post(f"/attempts/{attempt.id}/submit", data={question_id: "Paris"})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).passed is True
    assert seen == [(1, {question_id: "see http://wiki.example"}), (1, {question_id: "Paris"})]


# ====================================================================== event hooks


def test_hook_on_user_registered(app, client, factory, login):
    received = []

    @hookimpl
    def on_user_registered(user):
        received.append((user, committed("users", user.id)))

    login(client, factory.user(role="admin"))
    register_plugin(app, "welcome", on_user_registered)

    client.post(
        "/admin/users/new", data={"name": "Rin", "email": "rin@example.org", "password": PASSWORD, "role": "teacher"}
    )

    [(user, was_committed)] = received
    assert was_committed
    assert isinstance(user, UserInfo) and user.email == "rin@example.org" and user.role == "teacher"
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.role = "admin"  # a snapshot: a plugin cannot change core state through it


def test_hook_on_enrolled(app, client, factory, login):
    received = []

    @hookimpl
    def on_enrolled(user, course, enrollment):
        received.append((user.id, course.slug, enrollment, committed("enrollments", enrollment.id)))

    register_plugin(app, "roster", on_enrolled)
    course = factory.course()
    student = factory.user()
    login(client, student)

    client.post(f"/courses/{course.slug}/enrol")

    [(user_id, slug, enrollment, was_committed)] = received
    assert (user_id, slug, was_committed) == (student.id, course.slug, True)
    assert isinstance(enrollment, EnrollmentInfo) and enrollment.status == "active"


def test_hook_on_unenrolled(app, factory):

    received = []

    @hookimpl
    def on_unenrolled(user, course, reason):
        received.append((user.id, course.slug, reason))

    register_plugin(app, "roster", on_unenrolled)
    course, held, withdrawn, pending = factory.course(), factory.user(), factory.user(), factory.user()
    for student in (held, withdrawn, pending):
        factory.enrol(student, course)
    pending_row = enrolment.find(pending.id, course.id)
    pending_row.status = "pending"
    db.session.commit()

    enrolment.hold(enrolment.find(held.id, course.id).id, "refunded")
    enrolment.hold(enrolment.find(held.id, course.id).id, "refunded")  # already on hold: no second event
    enrolment.withdraw(enrolment.find(withdrawn.id, course.id).id)
    enrolment.withdraw(pending_row.id)  # never had access: nothing lost

    assert received == [(held.id, course.slug, "held"), (withdrawn.id, course.slug, "withdrawn")]


def test_hook_on_staff_removed(app, factory):
    from lms_core.services import ServiceError, courses

    received = []

    @hookimpl
    def on_staff_removed(user, course):
        received.append((user.id, course.slug))

    register_plugin(app, "roster", on_staff_removed)
    owner, co_teacher = factory.user(role="teacher"), factory.user(role="teacher")
    course = factory.course(teacher=owner)
    courses.add_staff(course, co_teacher.email)
    courses.remove_staff(course, co_teacher.id)
    with pytest.raises(ServiceError):
        courses.remove_staff(course, owner.id)  # the last teacher stays: no event

    assert received == [(co_teacher.id, course.slug)]


def test_event_hooks_are_not_called_for_work_that_was_rolled_back(app, factory):
    received = []

    @hookimpl
    def on_enrolled(user, course, enrollment):
        received.append(user.id)

    register_plugin(app, "roster", on_enrolled)
    course = factory.course()
    unlucky, lucky = factory.user(), factory.user()

    def database_goes_away(session):
        raise ConnectionError("the database went away")

    event.listen(db.session, "before_commit", database_goes_away)
    try:
        with pytest.raises(ConnectionError):
            enrolment.enroll(unlucky, course)
    finally:
        event.remove(db.session, "before_commit", database_goes_away)
    db.session.rollback()  # what the request's error handler does

    enrolment.enroll(lucky, course)  # the next commit must not carry the lost event

    assert received == [lucky.id]
    assert enrolment.find(unlucky.id, course.id) is None


def test_hook_on_lesson_completed(app, client, factory, login):
    received = []

    @hookimpl
    def on_lesson_completed(user, lesson):
        received.append((user.id, lesson))

    register_plugin(app, "reading-log", on_lesson_completed)
    course = factory.course()
    lesson = factory.lesson(course, title="Tides")
    student = enrolled_student(factory, course)
    login(client, student)

    client.post(f"/lessons/{lesson.id}/complete")
    client.post(f"/lessons/{lesson.id}/complete")  # done already: no second event

    assert received == [(student.id, LessonInfo(lesson.id, course.id, "Tides", lesson.position))]


def test_hook_on_quiz_submitted(app, client, factory, login):
    received = []

    @hookimpl
    def on_quiz_submitted(user, quiz, attempt):
        received.append((quiz.id, attempt.number, attempt.passed, committed("attempts", attempt.id)))

    register_plugin(app, "gradebook", on_quiz_submitted)
    course = factory.course()
    quiz = factory.quiz(course)
    login(client, enrolled_student(factory, course))

    submit(client, factory, quiz, correct=False)
    submit(client, factory, quiz, correct=True)

    assert received == [(quiz.id, 1, False, True), (quiz.id, 2, True, True)]


def test_hook_on_quiz_passed(app, client, factory, login):
    received = []

    @hookimpl
    def on_quiz_passed(user, quiz, attempt):
        assert isinstance(attempt, AttemptInfo) and isinstance(quiz, QuizInfo)
        received.append((user.id, attempt.number, attempt.percent))

    register_plugin(app, "applause", on_quiz_passed)
    course = factory.course()
    quiz = factory.quiz(course)
    student = enrolled_student(factory, course)
    login(client, student)

    submit(client, factory, quiz, correct=False)
    submit(client, factory, quiz, correct=True)
    submit(client, factory, quiz, correct=True)  # a retake passes too; attempt.number tells them apart

    assert received == [(student.id, 2, 100.0), (student.id, 3, 100.0)]


def test_hook_on_course_completed(app, client, factory, login):
    received = []

    @hookimpl
    def on_course_completed(user, course, enrollment):
        received.append((user.id, course.id, enrollment.status, enrollment.completed_at is not None))

    register_plugin(app, "diplomas", on_course_completed)
    course = factory.course()
    lesson = factory.lesson(course)
    quiz = factory.quiz(course)
    student = enrolled_student(factory, course)
    login(client, student)

    client.post(f"/lessons/{lesson.id}/complete")
    assert received == []
    submit(client, factory, quiz)
    submit(client, factory, quiz)  # completed once, whatever comes after

    assert received == [(student.id, course.id, "completed", True)]


def test_hook_on_notification_created(app, factory):
    received = []

    @hookimpl
    def on_notification_created(notification, user):
        received.append((notification, user.id, committed("notifications", notification.id)))

    register_plugin(app, "mirror", on_notification_created)
    student = factory.user()

    stored = notify(student, "news", "Timetable changed", "Monday moves to Tuesday.", url="/timetable")

    [(notification, user_id, was_committed)] = received
    assert user_id == student.id and was_committed
    assert notification == NotificationInfo.of(stored)
    assert (notification.kind, notification.title, notification.url) == ("news", "Timetable changed", "/timetable")


def test_hook_on_sessions_ended(app, client, factory, login):
    from lms_core.models import UserSession

    received = []

    @hookimpl
    def on_sessions_ended(user, session_ids, event):
        gone = db.session.execute(db.select(UserSession.id).where(UserSession.id.in_(session_ids))).all()
        received.append((user, session_ids, event.id, gone))

    register_plugin(app, "closer", on_sessions_ended)
    student = factory.user()
    login(client, student)
    [session_id] = db.session.execute(db.select(UserSession.id).where(UserSession.user_id == student.id)).scalars()

    assert client.post("/logout").status_code in (302, 303)

    [(user, session_ids, event_id, gone)] = received
    assert isinstance(user, UserInfo) and user.id == student.id
    assert session_ids == [session_id] and event_id
    assert gone == [], "delivered after the commit that deleted the session"


# ====================================================================== rendering hooks


@dataclasses.dataclass(frozen=True)
class Certificate:
    number: str
    learner: str
    course: str


def test_hook_render_certificate(app):
    @hookimpl(trylast=True)
    def render_certificate(certificate):
        return b"%PDF-1.4 standard design for " + certificate.number.encode()

    register_plugin(app, "standard-design", render_certificate)

    @hookimpl
    def render_certificate(certificate):  # noqa: F811 - an institution's own design
        if certificate.course == "Unbranded course":
            return None  # no opinion: the next implementation answers
        return b"%PDF-1.4 Riverside College design for " + certificate.number.encode()

    register_plugin(app, "riverside-design", render_certificate)
    plugins = get_plugin_manager()

    branded = Certificate("C-0042", "Ann", "Astronomy")
    institution = b"%PDF-1.4 Riverside College design for C-0042"
    assert plugins.call_first("render_certificate", certificate=branded) == institution
    assert plugins.pm.hook.render_certificate(certificate=branded) == institution  # pluggy agrees: firstresult
    plain = Certificate("C-0043", "Ann", "Unbranded course")
    assert plugins.call_first("render_certificate", certificate=plain) == b"%PDF-1.4 standard design for C-0043"


# ====================================================================== loading, isolation, enabling


DESIGN = '''
    from lms_core import hookimpl


    @hookimpl
    def render_certificate(certificate):
        return b"{name}"
'''


@pytest.mark.lms_config(LMS_PLUGINS="alpha,beta")
def test_of_two_plugins_the_later_by_name_answers_first(distributions, request):
    distributions.install("beta", DESIGN.format(name="beta"))
    distributions.install("alpha", DESIGN.format(name="alpha"))
    request.getfixturevalue("app")

    assert get_plugin_manager().call_first("render_certificate", certificate=None) == b"beta"


def test_a_failing_implementation_is_recorded_and_breaks_neither_the_page_nor_other_plugins(
    app, client, factory, login
):
    later = []

    @hookimpl
    def on_enrolled(user, course, enrollment):
        raise ZeroDivisionError("seat count is zero")

    @hookimpl
    def lms_course_page_fragments(user, course):
        raise KeyError("weather")

    register_plugin(app, "flaky", on_enrolled, lms_course_page_fragments)

    @hookimpl
    def on_enrolled(user, course, enrollment):  # noqa: F811 - a second, healthy plugin
        later.append(user.id)

    @hookimpl
    def lms_course_page_fragments(user, course):  # noqa: F811
        return [Markup('<p id="healthy">Still here</p>')]

    register_plugin(app, "healthy", on_enrolled, lms_course_page_fragments)
    course = factory.course()
    student = factory.user()
    login(client, student)

    assert client.post(f"/courses/{course.slug}/enrol").status_code == 303
    page = client.get(f"/courses/{course.slug}")

    assert page.status_code == 200 and '<p id="healthy">Still here</p>' in text(page)
    assert later == [student.id]
    assert enrolment.find(student.id, course.id).status == "active"
    errors = db.session.execute(
        db.select(PluginError.plugin, PluginError.hook, PluginError.message).order_by(PluginError.id)
    ).all()
    assert ("flaky", "on_enrolled", "ZeroDivisionError: seat count is zero") in errors
    assert ("flaky", "lms_course_page_fragments", "KeyError: 'weather'") in errors
    assert {plugin for plugin, _hook, _message in errors} == {"flaky"}


MISSPELLED = '''
    from lms_core import hookimpl


    @hookimpl
    def on_quiz_pased(user, quiz, attempt):
        pass
'''


def test_a_misspelled_hook_stops_the_start_with_a_clear_message(distributions, tmp_path):
    distributions.install("typo", MISSPELLED)

    with pytest.raises(PluginConfigurationError) as failure:
        create_app(
            {"LMS_PLUGINS": "typo", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"},
            instance_path=str(tmp_path / "instance"),
        )

    message = str(failure.value)
    assert "'typo'" in message and "'on_quiz_pased'" in message
    assert message.endswith("Did you mean 'on_quiz_passed'?")  # the closest hook name, not a list of 40
    assert failure.value.__suppress_context__  # one message, not pluggy's traceback under it


def test_lms_plugins_naming_a_plugin_that_is_not_installed_stops_the_start(tmp_path):
    with pytest.raises(PluginConfigurationError, match="LMS_PLUGINS names 'gradebook', which is not installed"):
        create_app(
            {"LMS_PLUGINS": "gradebook", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"},
            instance_path=str(tmp_path / "instance"),
        )


BROKEN = '''
    raise ImportError("lms-plugin-video needs libvideo 2")
'''


@pytest.mark.lms_config(LMS_PLUGINS="video", LMS_PLUGINS_STRICT=False)
def test_a_plugin_that_cannot_be_imported_is_reported_and_the_rest_runs(distributions, request):
    distributions.install("video", BROKEN)
    app = request.getfixturevalue("app")
    factory = request.getfixturevalue("factory")
    client = app.test_client()
    request.getfixturevalue("login")(client, factory.user(role="admin"))

    row = text(client.get("/admin/plugins")).split('id="plugin-video"', 1)[1].split("</tr>", 1)[0]

    assert "Failed to load" in row and "ImportError: lms-plugin-video needs libvideo 2" in row
    refused = client.post("/admin/plugins/video/enable")
    assert refused.status_code == 409 and "could not be loaded" in text(refused)
    assert client.get("/").status_code == 200


def test_with_the_strict_setting_a_plugin_that_cannot_be_imported_stops_the_start(distributions, tmp_path):
    distributions.install("video", BROKEN)

    with pytest.raises(ImportError, match="libvideo 2"):
        create_app(
            {
                "LMS_PLUGINS": "video",
                "LMS_PLUGINS_STRICT": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            },
            instance_path=str(tmp_path / "instance"),
        )


TURNSTILE = '''
    from flask import Blueprint

    from lms_core import NavLink, hookimpl

    ENROLMENTS = []
    bp = Blueprint("turnstile", __name__, url_prefix="/turnstile")


    @bp.route("/")
    def index():
        return "Turnstile"


    @hookimpl
    def lms_blueprints(app):
        return [bp]


    @hookimpl
    def lms_navigation_links(user):
        return [NavLink("Turnstile", "/turnstile/")]


    @hookimpl
    def on_enrolled(user, course, enrollment):
        ENROLMENTS.append(user.id)
'''


@pytest.mark.lms_config(LMS_PLUGINS="turnstile")
def test_a_disabled_plugins_pages_answer_404_and_its_hooks_are_not_called(distributions, request):
    installed = distributions.install("turnstile", TURNSTILE, version="2.3")
    app = request.getfixturevalue("app")
    factory = request.getfixturevalue("factory")
    plugin = distributions.module(installed)
    client = app.test_client()
    course = factory.course()
    first, second = factory.user(), factory.user()
    assert client.get("/turnstile/").status_code == 200
    [row] = [r for r in platform.plugin_rows() if r["name"] == "turnstile"]
    assert (row["distribution"], row["version"], row["enabled"]) == ("lms-plugin-turnstile", "2.3", True)

    platform.set_plugin_enabled("turnstile", False)

    assert client.get("/turnstile/").status_code == 404
    assert 'href="/turnstile/"' not in text(client.get("/"))
    factory.enrol(first, course)
    assert plugin.ENROLMENTS == []

    platform.set_plugin_enabled("turnstile", True)

    assert client.get("/turnstile/").status_code == 200
    assert 'href="/turnstile/"' in text(client.get("/"))
    factory.enrol(second, course)
    assert plugin.ENROLMENTS == [second.id]


def test_implementations_may_take_fewer_arguments_than_the_spec(app, client, factory, login):
    received = []

    @hookimpl
    def on_quiz_passed(attempt):
        received.append(attempt.number)

    register_plugin(app, "minimal", on_quiz_passed)
    course = factory.course()
    quiz = factory.quiz(course)
    login(client, enrolled_student(factory, course))

    submit(client, factory, quiz)

    assert received == [1]


def test_every_hook_spec_documents_when_it_is_called_and_what_it_takes():
    for name in HOOKS:
        spec = getattr(hookspecs, name)
        assert inspect.getdoc(spec), f"{name} has no docstring"
        assert re.fullmatch(r"(lms_|on_|render_)\w+", name), f"{name} does not follow the naming of its group"


def test_a_filter_hook_that_fails_refuses_the_action_instead_of_letting_it_through(app, client, factory, login):
    @hookimpl
    def lms_before_enroll(user, course):
        raise ConnectionError("the payment provider is down")

    register_plugin(app, "payments", lms_before_enroll)
    course = factory.course()
    student = factory.user()
    login(client, student)

    page = client.post(f"/courses/{course.slug}/enrol", follow_redirects=True)

    assert "This action is not available right now" in text(page)
    assert enrolment.find(student.id, course.id) is None
    messages = db.session.execute(db.select(PluginError.message).where(PluginError.plugin == "payments")).scalars()
    assert any("payment provider is down" in m for m in messages)
