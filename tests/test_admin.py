"""Administrators manage people, plugins and failed jobs through the admin pages."""

import re

import pytest
from flask import g

from lms_core import hookimpl
from lms_core.cli import main
from lms_core.extensions import db
from lms_core.jobs import enqueue
from lms_core.models import PluginState, User
from lms_core.testing import PASSWORD
from tests import jobs_fixtures
from tests.plugin_helpers import register_plugin, shelf_migrations  # noqa: F401 (a fixture)

# The tutorial's plugin (examples/lms-plugin-hello) is the installed plugin these
# stories manage; other plugins under development stay out of the way.
pytestmark = pytest.mark.lms_config(LMS_PLUGINS="hello")

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/users/new", "/admin/plugins", "/admin/plugins/errors", "/admin/jobs"]


@pytest.fixture
def admin(factory, client, login):
    user = factory.user(role="admin", name="Ada Admin")
    login(client, user)
    return user


def text(response) -> str:
    return response.get_data(as_text=True)


def table_rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)[1:]  # without the header row


def csrf_token(client, path: str) -> str:
    g.pop("csrf_token", None)  # one app context spans the test; its cached token would be stale
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', text(client.get(path))).group(1)


# ---------------------------------------------------------------- people


def test_an_admin_finds_people_by_name_or_email_page_by_page(client, factory, admin):
    # A class list imported in one go (hashing 30 passwords would only slow the test).
    db.session.add_all(
        User(
            name=f"Pupil {n:02d}",
            email=f"pupil{n:02d}@school.example",
            role="student",
            password_hash=admin.password_hash,
        )
        for n in range(30)
    )
    db.session.commit()
    factory.user(role="teacher", name="Tess Teacher", email="tess@staff.example")

    first = text(client.get("/admin/users?q=PUPIL"))
    assert "Found: 30" in first
    assert len(table_rows(first, "users")) == 25
    assert "Page 1 of 2" in first and 'rel="next" href="/admin/users?q=PUPIL&amp;page=2"' in first
    second = text(client.get("/admin/users?q=PUPIL&page=2"))
    assert len(table_rows(second, "users")) == 5 and 'rel="prev"' in second
    assert set(re.findall(r"Pupil \d\d", first + second)) == {f"Pupil {n:02d}" for n in range(30)}

    by_email = text(client.get("/admin/users?q=staff.example"))
    assert len(table_rows(by_email, "users")) == 1 and "Tess Teacher" in by_email
    teachers = text(client.get("/admin/users?role=teacher"))
    assert "Tess Teacher" in teachers and "Pupil" not in teachers
    # What the admin types is literal text, not a pattern.
    assert "Nobody matches this search." in text(client.get("/admin/users?q=%25"))


@pytest.mark.parametrize(
    "query, message",
    [
        ("page=0", "Pages are numbered from 1."),
        ("page=two", "Pages are numbered from 1."),
        ("page=%C2%B2", "Pages are numbered from 1."),
        ("page=99999999999999999999999", "Pages are numbered from 1."),
        ("role=wizard", "Unknown role."),
    ],
)
def test_a_bad_search_answers_400_with_the_reason(client, admin, query, message):
    response = client.get(f"/admin/users?{query}")
    assert response.status_code == 400
    assert message in text(response)


def test_an_admin_makes_a_student_a_teacher_who_then_may_teach(app, client, factory, admin):
    student = factory.user(name="Sam")
    other = app.test_client()
    login_other = other.post("/login", data={"email": student.email, "password": PASSWORD})
    assert login_other.status_code == 302
    assert other.get("/teach/").status_code == 403

    response = client.post(f"/admin/users/{student.id}", data={"role": "teacher", "active": "y"})
    assert response.status_code == 303
    assert "The account of Sam was saved." in text(client.get(response.location))

    assert db.session.get(User, student.id).role == "teacher"
    assert other.get("/teach/").status_code == 200


def test_a_deactivated_person_is_logged_out_and_cannot_log_in_again(app, client, factory, admin):
    student = factory.user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": student.email, "password": PASSWORD})
    assert theirs.get("/dashboard").status_code == 200

    client.post(f"/admin/users/{student.id}", data={"role": "student"})  # the box "active" left unticked

    assert theirs.get("/dashboard").status_code == 302
    assert theirs.post("/login", data={"email": student.email, "password": PASSWORD}).status_code == 401
    assert "Deactivated" in text(client.get(f"/admin/users?q={student.email}"))


@pytest.mark.parametrize(
    "form, field_error",
    [
        ({"role": "teacher", "active": "y"}, "You cannot take away your own administrator role."),
        ({"role": "admin"}, "You cannot deactivate your own account."),
    ],
)
def test_an_admin_cannot_demote_or_deactivate_themselves(client, admin, form, field_error):
    response = client.post(f"/admin/users/{admin.id}", data=form)

    assert response.status_code == 400
    assert field_error in text(response)
    db.session.expire_all()
    me = db.session.get(User, admin.id)
    assert me.role == "admin" and me.active
    assert client.get("/admin/").status_code == 200


def test_an_unknown_role_is_refused_with_a_field_error(client, factory, admin):
    student = factory.user()
    response = client.post(f"/admin/users/{student.id}", data={"role": "superuser", "active": "y"})
    assert response.status_code == 400
    assert "Choose one of the roles." in text(response)
    db.session.expire_all()
    assert db.session.get(User, student.id).role == "student"


def test_an_admin_creates_an_account_that_can_log_in(app, client, admin):
    response = client.post(
        "/admin/users/new",
        data={"name": "Nina New", "email": "Nina@Example.org", "password": "a long password", "role": "teacher"},
    )
    assert response.status_code == 303
    assert "The account of Nina New was created." in text(client.get(response.location))

    nina = db.session.execute(db.select(User).where(User.email == "nina@example.org")).scalar_one()
    assert nina.role == "teacher" and nina.active
    assert (
        app.test_client().post("/login", data={"email": "nina@example.org", "password": "a long password"}).status_code
        == 302
    )


@pytest.mark.parametrize(
    "form, field_error",
    [
        (
            {"name": "Twin", "email": "ada.twin@example.org", "password": "long enough", "role": "student"},
            "An account with this e-mail address already exists.",
        ),
        (
            {"name": "Short", "email": "short@example.org", "password": "short", "role": "student"},
            "The password must be at least 8 characters long.",
        ),
        ({"name": "", "email": "noname@example.org", "password": "long enough", "role": "student"}, "Enter the name."),
        (
            {"name": "Odd", "email": "not-an-address", "password": "long enough", "role": "student"},
            "Enter a valid e-mail address.",
        ),
        (
            {"name": "Boss", "email": "boss@example.org", "password": "long enough", "role": "root"},
            "Choose one of the roles.",
        ),
    ],
)
def test_a_new_account_with_bad_fields_is_not_created(client, factory, admin, form, field_error):
    factory.user(email="ada.twin@example.org")
    before = db.session.execute(db.select(db.func.count(User.id))).scalar_one()

    response = client.post("/admin/users/new", data=form)

    assert response.status_code == 400
    assert field_error in text(response)
    assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == before


def test_students_and_teachers_cannot_reach_the_admin_pages(app, factory, login):
    victim = factory.user()
    for role in ("student", "teacher"):
        visitor = app.test_client()
        login(visitor, factory.user(role=role))
        for path in ADMIN_PAGES + [f"/admin/users/{victim.id}"]:
            assert visitor.get(path).status_code == 403, (role, path)
        assert visitor.post(f"/admin/users/{victim.id}", data={"role": "admin", "active": "y"}).status_code == 403
        assert visitor.post("/admin/plugins/hello/disable").status_code == 403
    assert db.session.get(User, victim.id).role == "student"
    assert db.session.get(PluginState, "hello") is None

    anonymous = app.test_client()
    for path in ADMIN_PAGES:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.lms_config(WTF_CSRF_ENABLED=True)
def test_admin_forms_refuse_a_post_without_the_csrf_token(client, factory):
    admin = factory.user(role="admin")
    student = factory.user()
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})

    for path, form in [
        (f"/admin/users/{student.id}", {"role": "teacher", "active": "y"}),
        ("/admin/users/new", {"name": "X", "email": "x@example.org", "password": "long enough", "role": "admin"}),
        ("/admin/plugins/hello/disable", {}),
    ]:
        response = client.post(path, data=form)
        assert response.status_code == 400, path
        assert "The form expired" in text(response)
    assert db.session.get(User, student.id).role == "student"
    assert db.session.execute(db.select(User).where(User.email == "x@example.org")).first() is None
    assert db.session.get(PluginState, "hello") is None

    token = csrf_token(client, f"/admin/users/{student.id}")
    response = client.post(f"/admin/users/{student.id}", data={"role": "teacher", "active": "y", "csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, student.id).role == "teacher"
    g.pop("csrf_token", None)
    plugins_page = text(client.get("/admin/plugins"))
    form = plugins_page.split('action="/admin/plugins/hello/disable"', 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post("/admin/plugins/hello/disable", data={"csrf_token": token}).status_code == 303
    assert db.session.get(PluginState, "hello").enabled is False


def test_the_overview_counts_people_plugins_and_problems(client, factory, admin):
    factory.user()
    page = text(client.get("/admin/"))
    assert "Accounts: 2" in page
    assert "Enabled: 1 of 1" in page
    assert "Plugin errors: 0" in page and "Failed jobs: 0" in page


# ---------------------------------------------------------------- plugins


def test_the_plugins_page_shows_each_plugin_with_its_version_hooks_and_state(client, admin):
    page = text(client.get("/admin/plugins"))
    row = page.split('id="plugin-hello"', 1)[1].split("</tr>", 1)[0]
    assert "lms-plugin-hello 0.1.0" in row
    assert "Enabled" in row
    for hook in (
        "on_quiz_passed",
        "lms_blueprints",
        "lms_navigation_links",
        "lms_migrations_folder",
        "lms_translations_folder",
    ):
        assert f"<code>{hook}</code>" in row
    assert "migrations-pending" not in row  # the fixture ran `lms db upgrade`
    assert "run “lms db upgrade” on the server" in page


def test_an_admin_disables_a_plugin_and_its_page_link_and_hooks_are_gone_until_enabled(client, factory, admin):
    course = factory.course()
    quiz = factory.quiz(course)
    student = factory.user()
    factory.enrol(student, course)
    assert 'href="/hello/"' in text(client.get("/"))

    response = client.post("/admin/plugins/hello/disable")
    assert response.status_code == 303
    page = text(client.get(response.location))
    assert "The plugin hello is disabled. Its data is kept." in page
    assert 'action="/admin/plugins/hello/enable"' in page
    assert client.get("/hello/").status_code == 404
    assert 'href="/hello/"' not in text(client.get("/"))
    factory.attempt(student, quiz)
    assert db.session.execute(db.text("select count(*) from hello_greetings")).scalar_one() == 0

    response = client.post("/admin/plugins/hello/enable")
    assert "The plugin hello is enabled." in text(client.get(response.location))
    assert client.get("/hello/").status_code == 200
    factory.attempt(student, quiz)
    assert db.session.execute(db.text("select count(*) from hello_greetings")).scalar_one() == 1


def test_enabling_a_plugin_that_is_not_installed_is_a_404(client, admin):
    response = client.post("/admin/plugins/nosuchplugin/enable")
    assert response.status_code == 404
    assert "No plugin named nosuchplugin is installed." in text(response)


@pytest.fixture
def shelf_plugin(app, shelf_migrations):
    """A plugin registered by the deployment that brings a table of its own."""

    @hookimpl
    def lms_migrations_folder():
        return shelf_migrations

    register_plugin(app, "shelf", lms_migrations_folder)


def test_a_plugin_whose_migrations_are_pending_is_flagged_until_lms_db_upgrade(app, client, admin, shelf_plugin):
    row = text(client.get("/admin/plugins")).split('id="plugin-shelf"', 1)[1].split("</tr>", 1)[0]
    assert "Database migrations pending: run “lms db upgrade”." in row
    assert "registered by the deployment" in row
    assert "Database migrations are pending" in text(client.get("/admin/"))

    client.post("/admin/plugins/shelf/disable")
    response = client.post("/admin/plugins/shelf/enable")
    assert "Its database tables are not up to date: run “lms db upgrade” now." in text(client.get(response.location))

    result = app.test_cli_runner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "upgraded: shelf" in result.output

    row = text(client.get("/admin/plugins")).split('id="plugin-shelf"', 1)[1].split("</tr>", 1)[0]
    assert "migrations pending" not in row
    response = client.post("/admin/plugins/shelf/enable")
    assert "not up to date" not in text(client.get(response.location))


def test_plugin_errors_are_listed_with_their_time_and_traceback(app, client, factory, admin):
    @hookimpl
    def on_enrolled(user, course, enrollment):
        raise LookupError(f"no seat left for user {user.id}")

    register_plugin(app, "seats", on_enrolled)
    student = factory.user()
    factory.enrol(student, factory.course())

    row = text(client.get("/admin/plugins")).split('id="plugin-seats"', 1)[1].split("</tr>", 1)[0]
    assert f"LookupError: no seat left for user {student.id}" in row
    assert 'href="/admin/plugins/errors#errors-seats"' in row
    errors = text(client.get("/admin/plugins/errors"))
    assert 'id="errors-seats"' in errors and "seats in on_enrolled" in errors
    assert "Traceback (most recent call last)" in errors and "in on_enrolled" in errors
    assert "Plugin errors: 1" in text(client.get("/admin/"))


def test_failed_jobs_show_the_attempt_and_whether_they_will_be_retried(app, client, admin, run_jobs):
    enqueue(jobs_fixtures.always_fails, "printer on fire")
    run_jobs()

    rows = table_rows(text(client.get("/admin/jobs")), "job-failures")
    assert len(rows) == 1
    allowed = len(app.config["LMS_JOB_RETRY_INTERVALS"]) + 1
    assert "tests.jobs_fixtures.always_fails" in rows[0] and "printer on fire" in rows[0]
    assert f"1 of {allowed}" in rows[0]
    if app.config.get("REDIS_URL"):
        assert "Will be retried" in rows[0]  # rq holds it for its back-off
    else:
        assert "Given up" in rows[0]  # without a queue a job runs once, inline
    assert "Traceback" in rows[0]
