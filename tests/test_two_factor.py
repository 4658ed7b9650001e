"""Two-factor log-in: any user can turn it on with an authenticator app, a recovery code
works once, and a setting makes it mandatory for teachers and admins."""

import re

import pyotp
import pytest

from lms_core.extensions import db
from lms_core.testing import PASSWORD


def next_code(user):
    """The code of the next 30-second step (the current one may be used up already)."""
    import time

    db.session.refresh(user)
    return pyotp.TOTP(user.totp_secret).at(time.time() + 30)


def turn_on(client, user):
    """Set up two-factor log-in through the pages; returns the recovery codes."""
    client.post("/account/two-factor", data={"action": "begin"})
    db.session.refresh(user)
    done = client.post(
        "/account/two-factor", data={"action": "confirm", "code-code": pyotp.TOTP(user.totp_secret).now()}
    )
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))


def test_a_student_turns_on_two_factor_and_then_needs_a_code_to_log_in(app, client, factory, login):
    student = factory.user()
    login(client, student)
    setup = client.post("/account/two-factor", data={"action": "begin"})
    html = setup.get_data(as_text=True)
    assert 'src="/account/two-factor/qr.svg"' in html and "<script" not in html.split("<main")[1].split("</main>")[0]
    qr = client.get("/account/two-factor/qr.svg")
    assert qr.mimetype == "image/svg+xml" and qr.data.startswith(b"<?xml") and b"<svg" in qr.data
    assert qr.headers["Cache-Control"] == "no-store"

    wrong = client.post("/account/two-factor", data={"action": "confirm", "code-code": "000000"})
    assert wrong.status_code == 400 and 'class="field-error"' in wrong.get_data(as_text=True)
    codes = turn_on(client, student)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/account/two-factor/qr.svg").status_code == 404  # the secret is not shown again

    fresh = app.test_client()
    step_one = fresh.post("/login", data={"email": student.email, "password": PASSWORD})
    assert step_one.status_code == 302 and step_one.location.endswith("/login/code")
    assert fresh.get("/dashboard").status_code == 302  # the password alone is not enough
    bad = fresh.post("/login/code", data={"code": "123456"})
    assert bad.status_code == 400 and "This code is not right" in bad.get_data(as_text=True)
    assert fresh.post("/login/code", data={"code": next_code(student)}).status_code == 302
    assert fresh.get("/dashboard").status_code == 200


def test_a_code_is_not_accepted_twice(app, client, factory, login):
    student = factory.user()
    login(client, student)
    turn_on(client, student)
    db.session.refresh(student)
    code = pyotp.TOTP(student.totp_secret).now()  # the one just used to confirm the setup
    other = app.test_client()
    other.post("/login", data={"email": student.email, "password": PASSWORD})
    assert other.post("/login/code", data={"code": code}).status_code == 400


def test_a_recovery_code_logs_in_once(app, client, factory, login):
    student = factory.user()
    login(client, student)
    codes = turn_on(client, student)
    for expected in (302, 400):
        other = app.test_client()
        other.post("/login", data={"email": student.email, "password": PASSWORD})
        assert other.post("/login/code", data={"code": codes[0].upper()}).status_code == expected
    from lms_core.models import RecoveryCode

    stored = db.session.execute(db.select(RecoveryCode.code_hash)).scalars().all()
    assert codes[1].replace("-", "") not in " ".join(stored)  # only keyed hashes are kept


def test_the_second_step_is_throttled_and_does_not_outlive_its_minutes(app, client, factory, login):
    import time

    student = factory.user()
    login(client, student)
    turn_on(client, student)
    other = app.test_client()
    other.post("/login", data={"email": student.email, "password": PASSWORD})
    statuses = [
        other.post("/login/code", data={"code": "000000"}).status_code
        for _ in range(app.config["LMS_THROTTLE_FREE_ATTEMPTS"] + 1)
    ]
    assert statuses[-1] == 429
    with other.session_transaction() as session:
        session["two_factor_pending"] = {**session["two_factor_pending"], "at": time.time() - 3600}
    assert other.post("/login/code", data={"code": "000000"}).location.endswith("/login")


def test_turning_it_off_needs_the_password(client, factory, login):
    student = factory.user()
    login(client, student)
    turn_on(client, student)
    refused = client.post("/account/two-factor", data={"action": "disable", "disable-password": "nope"})
    assert refused.status_code == 400 and "The current password is wrong" in refused.get_data(as_text=True)
    assert (
        client.post("/account/two-factor", data={"action": "disable", "disable-password": PASSWORD}).status_code == 303
    )
    db.session.refresh(student)
    assert not student.two_factor_enabled and student.totp_secret is None


@pytest.mark.lms_config(LMS_TWO_FACTOR_REQUIRED_FOR_STAFF=True)
def test_teachers_must_set_it_up_before_anything_else_when_the_setting_says_so(app, client, factory, login):
    teacher, student = factory.user(role="teacher"), factory.user()
    login(client, teacher)
    sent = client.get("/teach/")
    assert sent.status_code == 302 and sent.location.endswith("/account/two-factor")
    assert client.get("/api/v1/me").get_json()["error"]["code"] == "two_factor_required"
    assert "Your role needs two-factor log-in" in client.get("/account/two-factor").get_data(as_text=True)
    turn_on(client, teacher)
    assert client.get("/teach/").status_code == 200
    kept = client.post("/account/two-factor", data={"action": "disable", "disable-password": PASSWORD})
    assert kept.status_code == 403

    learner = app.test_client()
    login(learner, student)
    assert learner.get("/dashboard").status_code == 200  # students are free to choose


def test_the_two_factor_page_speaks_russian(client, factory, login):
    login(client, factory.user(locale="ru"))
    html = client.post("/account/two-factor", data={"action": "begin"}).get_data(as_text=True)
    assert "Добавьте этот сайт в приложение-аутентификатор" in html and "Двухфакторный вход" in html


def test_an_operator_turns_it_off_for_someone_who_lost_the_phone_and_the_codes(app, client, factory, login):
    student = factory.user(email="lost@example.org")
    login(client, student)
    turn_on(client, student)
    from lms_core.cli import main

    result = app.test_cli_runner().invoke(main, ["reset-two-factor", "Lost@example.org"])
    assert result.exit_code == 0, result.output
    db.session.refresh(student)
    assert not student.two_factor_enabled
    assert client.get("/dashboard").status_code == 302  # the sessions ended with it
    assert app.test_cli_runner().invoke(main, ["reset-two-factor", "nobody@example.org"]).exit_code == 1


def test_the_admin_sees_whether_a_person_uses_two_factor_log_in(app, client, factory, login):
    admin, student = factory.user(role="admin"), factory.user()
    other = app.test_client()
    login(other, student)
    turn_on(other, student)
    login(client, admin)
    page = client.get(f"/admin/users/{student.id}").get_data(as_text=True)
    assert "Two-factor log-in" in page.split('id="person-two-factor"')[1][:200]
    assert '<span class="tag ok">On</span>' in page.split('id="person-two-factor"')[1][:300]
