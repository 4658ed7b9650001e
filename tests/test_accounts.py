"""Account stories over e-mail, with a real SMTP server (aiosmtpd): password reset,
confirming the sign-up address, changing the address; none tells a stranger which
addresses have accounts."""

import re
from datetime import timedelta

import pytest

from lms_core.extensions import db
from lms_core.models import AccountToken, User, UserSession
from lms_core.testing import PASSWORD


@pytest.fixture
def lms_config(smtp_server):
    return {**smtp_server.config, "LMS_BASE_URL": "https://lms.example.edu"}


@pytest.fixture
def mailbox(smtp_server, run_jobs):
    """The messages the SMTP server received (after running the queued jobs)."""

    def read(count=1):
        run_jobs()
        return smtp_server.wait_for(count)

    return read


def link_in(message, path_prefix):
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"https://lms\.example\.edu(" + re.escape(path_prefix) + r"[^\s]+)", text)
    assert match, f"no {path_prefix} link in:\n{text}"
    return match.group(1)


def page_text(response, email):
    """The page with the address and the (per-request) CSRF token taken out."""
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'(csrf[-_]token"?[^>]*?(content|value)=")[^"]+', r"\1", html)


def test_a_forgotten_password_is_replaced_through_a_single_use_link(client, factory, mailbox, login):
    student = factory.user(email="anna@example.org", name="Anna")
    other_browser = factory.app.test_client()
    login(other_browser, student)

    page = client.post("/password/forgot", data={"email": "Anna@Example.org"})
    assert page.status_code == 200 and "Check your mailbox" in page.get_data(as_text=True)
    [message] = mailbox(1)
    assert message["To"] == "anna@example.org" and message["Subject"] == "Choose a new password"
    link = link_in(message, "/password/reset/")
    assert "Choose a new password" in message.get_body(("html",)).get_content()

    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 8 characters" in short.get_data(as_text=True)
    done = client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert done.status_code == 303 and done.location.endswith("/login")

    # the link is used up, the old password is gone, and every open session ended
    assert client.get(link).status_code == 400
    assert client.post(link, data={"password": "another one!!", "confirm": "another one!!"}).status_code == 400
    assert client.post("/login", data={"email": student.email, "password": PASSWORD}).status_code == 401
    assert other_browser.get("/dashboard").status_code == 302
    assert client.post("/login", data={"email": student.email, "password": "a brand new secret"}).status_code == 302


def test_a_reset_link_expires(client, factory, mailbox):
    factory.user(email="late@example.org")
    client.post("/password/forgot", data={"email": "late@example.org"})
    link = link_in(mailbox(1)[0], "/password/reset/")
    token = db.session.execute(db.select(AccountToken)).scalar_one()
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 400 and "This link does not work" in page.get_data(as_text=True)


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client, factory, mailbox, smtp_server):
    factory.user(email="known@example.org")
    known = client.post("/password/forgot", data={"email": "known@example.org"})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200

    assert page_text(known, "known@example.org") == page_text(unknown, "nobody@example.org")
    assert [m["To"] for m in mailbox(1)] == ["known@example.org"]


def test_a_mailbox_cannot_be_flooded_with_reset_links(client, factory, mailbox, smtp_server, app):
    factory.user(email="target@example.org")
    for _ in range(app.config["LMS_THROTTLE_FREE_ATTEMPTS"] + 3):
        assert client.post("/password/forgot", data={"email": "target@example.org"}).status_code == 200
    mailbox(1)
    assert len(smtp_server.messages) == app.config["LMS_THROTTLE_FREE_ATTEMPTS"]


def test_an_account_keeps_the_language_its_sign_up_page_was_read_in(client, mailbox):
    form = {"name": "Борис", "email": "boris@example.ru", "password": PASSWORD, "confirm": PASSWORD}
    page = client.post("/register", data=form, headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert page.status_code == 200
    boris = db.session.execute(db.select(User).where(User.email == "boris@example.ru")).scalar_one()
    assert boris.locale == "ru"  # the browser's language, never chosen with the switcher
    [message] = mailbox(1)
    assert message["Subject"].strip() == "Подтвердите адрес электронной почты"
    client.post("/register", data={**form, "email": "anna@example.org"}, headers={"Accept-Language": "en-GB"})
    assert db.session.execute(db.select(User.locale).where(User.email == "anna@example.org")).scalar_one() == "en"
    client.post("/register", data={**form, "email": "kim@example.org"}, headers={"Accept-Language": "ko-KR"})
    assert db.session.execute(db.select(User.locale).where(User.email == "kim@example.org")).scalar_one() is None


def test_sign_up_sends_a_confirmation_link_and_unconfirmed_accounts_may_be_kept_from_enrolling(
    app, client, factory, mailbox
):
    course = factory.course(title="Chemistry")
    app.config["LMS_UNVERIFIED_MAY_ENROL"] = False
    page = client.post(
        "/register", data={"name": "Boris", "email": "boris@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert page.status_code == 200 and "Check your mailbox" in page.get_data(as_text=True)
    boris = db.session.execute(db.select(User).where(User.email == "boris@example.org")).scalar_one()
    assert not boris.email_verified

    from lms_core.services import ServiceError, enrolment

    with pytest.raises(ServiceError) as refused:
        enrolment.enroll(boris, course)
    assert refused.value.code == "email_unverified"

    [message] = mailbox(1)
    assert message["Subject"] == "Confirm your e-mail address"
    confirmed = client.get(link_in(message, "/email/verify/"))
    assert confirmed.status_code == 303
    db.session.refresh(boris)
    assert boris.email_verified
    assert enrolment.enroll(boris, course).status == "active"


def test_sign_up_with_a_taken_address_looks_the_same_and_tells_the_owner(client, factory, mailbox):
    factory.user(email="taken@example.org", name="Owner")
    new = client.post(
        "/register", data={"name": "X", "email": "fresh@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    taken = client.post(
        "/register", data={"name": "X", "email": "taken@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert new.status_code == taken.status_code == 200
    assert page_text(new, "fresh@example.org") == page_text(taken, "taken@example.org")
    messages = {m["To"]: m for m in mailbox(2)}
    assert messages["fresh@example.org"]["X-LMS-Mail"] == "verify_email"
    assert messages["taken@example.org"]["X-LMS-Mail"] == "already_registered"
    assert "/password/forgot" in messages["taken@example.org"].get_body(("plain",)).get_content()
    assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 2 + 0  # owner + fresh


def test_sign_up_errors_show_at_the_field_in_russian(client):
    client.post("/language", data={"language": "ru"})
    page = client.post("/register", data={"name": "", "email": "not-an-address", "password": "x", "confirm": "y"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'class="field-error"' in html and "Введите" in html


def test_a_new_address_is_used_only_once_confirmed_at_that_address(client, factory, login, mailbox):
    russian = factory.user(email="old@example.org", locale="ru", name="Вера")
    login(client, russian)
    wrong = client.post(
        "/account", data={"action": "email", "email-email": "new@example.org", "email-password": "not my password"}
    )
    assert wrong.status_code == 400 and "Текущий пароль указан неверно" in wrong.get_data(as_text=True)
    asked = client.post(
        "/account", data={"action": "email", "email-email": "new@example.org", "email-password": PASSWORD}
    )
    assert asked.status_code == 303
    db.session.refresh(russian)
    assert russian.email == "old@example.org"  # nothing changes yet

    [message] = mailbox(1)
    assert message["To"] == "new@example.org"
    assert message["Subject"].strip() == "Подтвердите новый адрес электронной почты"
    assert "Вера" in message.get_body(("plain",)).get_content()
    assert client.get(link_in(message, "/email/confirm/")).status_code == 303
    db.session.refresh(russian)
    assert russian.email == "new@example.org" and russian.email_verified


def test_changing_the_password_ends_every_other_session_and_tells_the_owner(client, factory, login, mailbox, app):
    student = factory.user()
    login(client, student)
    elsewhere = app.test_client()
    login(elsewhere, student)
    assert elsewhere.get("/dashboard").status_code == 200

    changed = client.post(
        "/account", data={"action": "password", "password-current": PASSWORD, "password-password": "a new long secret"}
    )
    assert changed.status_code == 303
    assert client.get("/dashboard").status_code == 200  # this browser stays in
    assert elsewhere.get("/dashboard").status_code == 302  # the other one is out
    assert db.session.execute(db.select(db.func.count(UserSession.id))).scalar_one() == 1
    assert [m["X-LMS-Mail"] for m in mailbox(1)] == ["password_changed"]
