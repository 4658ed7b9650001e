"""The core's mail service against a real SMTP server (aiosmtpd), and the instance
folder with its admin page when no SMTP server is set."""

import pytest

import lms_core


@pytest.fixture
def lms_config(smtp_server):
    return smtp_server.config


def test_a_mail_arrives_with_text_and_html_parts_and_cyrillic_intact(app, smtp_server, run_jobs):
    lms_core.send_mail(
        "ivan@example.org",
        "Ваш пароль изменён",
        "Здравствуйте, Иван!\nВсё в порядке.",
        html="<p>Здравствуйте, <b>Иван</b>!</p>",
        headers={"X-LMS-Kind": "account"},
    )
    run_jobs()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Ваш пароль изменён"
    assert message["To"] == "ivan@example.org"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["X-LMS-Kind"] == "account"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.rstrip("\n") == "Здравствуйте, Иван!\nВсё в порядке."
    assert "<b>Иван</b>" in message.get_body(("html",)).get_content()
    _sender, recipients, _parsed, raw = smtp_server.received[0]
    assert recipients == ["ivan@example.org"]
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in headers and "Ваш".encode() not in headers  # RFC 2047, no raw UTF-8 in headers
    assert b'charset="utf-8"' in raw


def test_a_batch_goes_over_one_connection_and_a_refused_address_is_a_permanent_error(app, smtp_server):
    smtp_server.refuse("gone@example.org", "550 5.1.1 No such mailbox")
    smtp_server.refuse("full@example.org", "452 4.2.2 Mailbox full, try later")
    messages = [
        lms_core.MailMessage(to, "Hello", f"Text for {to}")
        for to in ("one@example.org", "gone@example.org", "full@example.org", "two@example.org")
    ]
    connections = []
    handler_rcpt = smtp_server.handle_RCPT

    async def counting_rcpt(server, session, envelope, address, options):
        connections.append(id(session))
        return await handler_rcpt(server, session, envelope, address, options)

    smtp_server.handle_RCPT = counting_rcpt
    outcomes = lms_core.deliver_mail(messages)

    assert outcomes[0] is None and outcomes[3] is None
    assert isinstance(outcomes[1], lms_core.PermanentMailError)
    assert outcomes[1].code == 550 and outcomes[1].recipients == ["gone@example.org"]
    assert isinstance(outcomes[2], lms_core.TemporaryMailError)
    assert not isinstance(outcomes[2], lms_core.PermanentMailError)
    assert [m["To"] for m in smtp_server.wait_for(2)] == ["one@example.org", "two@example.org"]
    assert len(set(connections)) == 1  # one SMTP session for the whole batch


def test_a_server_that_is_down_gives_temporary_errors_and_the_job_is_recorded_as_failed(app, smtp_server):
    from lms_core.models import JobFailure

    app.extensions["mailman"].port = _closed_port()
    [outcome] = lms_core.deliver_mail([lms_core.MailMessage("a@example.org", "Hi", "Text")])
    assert isinstance(outcome, lms_core.TemporaryMailError)
    assert outcome.recipients == ["a@example.org"]

    if not app.config.get("REDIS_URL"):  # inline job: the failure is recorded at once
        lms_core.send_mail("a@example.org", "Hi", "Text")
        failure = lms_core.db.session.execute(lms_core.db.select(JobFailure)).scalar_one()
        assert failure.function == "lms_core.mail.deliver_job"
        assert "TemporaryMailError" in failure.message


def test_the_job_retried_after_a_temporary_failure_does_not_send_twice(app, smtp_server, run_jobs):
    if not app.config.get("REDIS_URL"):
        pytest.skip("retries are rq's: this story needs Redis")
    smtp_server.refuse("later@example.org", "451 4.3.0 Try again later")
    lms_core.send_mail_batch(
        [lms_core.MailMessage("now@example.org", "A", "a"), lms_core.MailMessage("later@example.org", "B", "b")]
    )
    run_jobs()  # the first attempt: one message goes, the job fails and is scheduled again
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["now@example.org"]
    smtp_server.refusals.clear()
    from rq.registry import ScheduledJobRegistry

    from lms_core import jobs

    registry = ScheduledJobRegistry(queue=jobs.queue(app))
    [job_id] = registry.get_job_ids()
    registry.remove(job_id)
    jobs.queue(app).enqueue_job(jobs.queue(app).fetch_job(job_id))
    run_jobs()
    assert [m["To"] for m in smtp_server.wait_for(2)] == ["now@example.org", "later@example.org"]


def _closed_port() -> int:
    from lms_core.testing import _free_port

    return _free_port()  # nothing listens there once the probe socket is closed


class TestWithoutSmtp:
    @pytest.fixture
    def lms_config(self, request):
        return {}

    def test_mails_are_written_to_the_instance_folder_and_read_by_the_admin(
        self, app, client, factory, login, run_jobs
    ):
        from pathlib import Path

        admin = factory.user(role="admin")
        lms_core.send_mail("olga@example.org", "Добро пожаловать", "Текст письма", html="<p>Привет <i>Ольга</i></p>")
        run_jobs()
        files = list((Path(app.instance_path) / "mail").glob("*.eml"))
        assert len(files) == 1

        login(client, admin)
        listing = client.get("/admin/mail")
        assert listing.status_code == 200
        page = listing.get_data(as_text=True)
        assert "Добро пожаловать" in page and "olga@example.org" in page
        shown = client.get(f"/admin/mail/{files[0].name}").get_data(as_text=True)
        assert "Текст письма" in shown
        assert "&lt;i&gt;Ольга&lt;/i&gt;" in shown  # the HTML part as source, never live
        assert client.get("/admin/mail/..%2Fsecret_key").status_code == 404
        assert client.get("/admin/mail/secret_key").status_code == 404

    def test_only_admins_see_the_mail_page(self, app, client, factory, login):
        login(client, factory.user(role="teacher"))
        assert client.get("/admin/mail").status_code == 403

    def test_the_mail_page_speaks_russian(self, app, client, factory, login):
        login(client, factory.user(role="admin", locale="ru"))
        page = client.get("/admin/mail").get_data(as_text=True)
        assert "Письма" in page and "Ни одного письма" in page
