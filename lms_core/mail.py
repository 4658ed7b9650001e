"""The core's mail service, on Flask-Mailman (Django's well-tried e-mail code).

* ``send_mail(to, subject, text, html=None, headers=None)`` queues one message (a job);
* ``send_mail_batch(messages)`` queues many, sent in one job over one SMTP connection;
* ``deliver(messages)`` sends now (inside a job of your own) and says, per message,
  whether it went, was refused for good (:class:`PermanentMailError`, an SMTP 5xx:
  mark the address as failing) or for now (:class:`TemporaryMailError`: try later).

With ``MAIL_SERVER`` set, mail goes over SMTP (``MAIL_PORT``, ``MAIL_USERNAME``,
``MAIL_PASSWORD``, ``MAIL_USE_TLS`` for STARTTLS or ``MAIL_USE_SSL``, ``MAIL_TIMEOUT``,
``MAIL_DEFAULT_SENDER``). Without it (development), every message is written to
``instance/mail/`` as one ``.eml`` file, listed on the admin page *Mail*.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import current_app
from flask_mailman import EmailMultiAlternatives, Mail
from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("lms.mail")

mailman = Mail()

EML_NAME = re.compile(r"^[0-9TZ-]+-[0-9a-f]{32}\.eml$")


class MailError(Exception):
    """A message that was not sent. ``recipients`` are the addresses concerned,
    ``code`` the SMTP reply code when there was one."""

    def __init__(self, message: str, recipients=(), code: int | None = None):
        super().__init__(message)
        self.recipients = list(recipients)
        self.code = code


class PermanentMailError(MailError):
    """The server refused for good (an SMTP 5xx reply): sending again will not help."""


class TemporaryMailError(MailError):
    """The server could not take it now (4xx, a lost connection, a timeout): try later."""


@dataclass
class MailMessage:
    """One message; ``to`` is one address or a list. Plain data, so it can be queued."""

    to: list[str] | str
    subject: str
    text: str
    html: str | None = None
    headers: dict = field(default_factory=dict)
    reply_to: list[str] | None = None
    from_email: str | None = None

    def recipients(self) -> list[str]:
        return [self.to] if isinstance(self.to, str) else list(self.to)

    def build(self, connection) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            to=self.recipients(),
            headers=dict(self.headers or {}),
            reply_to=self.reply_to,
            from_email=self.from_email or current_app.config["MAIL_DEFAULT_SENDER"],
            connection=connection,
        )
        if self.html:
            message.attach_alternative(self.html, "text/html")
        return message


def init_mail(app) -> None:
    config = app.config
    if not config.get("MAIL_BACKEND"):
        config["MAIL_BACKEND"] = "smtp" if config.get("MAIL_SERVER") else "lms_core.mail.InstanceFolderEmailBackend"
    mailman.init_app(app)


# ---------------------------------------------------------------- sending


def send_mail(
    to,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict | None = None,
    reply_to=None,
    from_email: str | None = None,
):
    """Queue one message with a text part and, if given, an HTML part."""
    return send_mail_batch([MailMessage(to, subject, text, html, headers or {}, reply_to, from_email)])


def send_mail_batch(messages) -> object:
    """Queue many messages, sent in one job over one SMTP connection."""
    from lms_core.jobs import enqueue

    return enqueue(deliver_job, [asdict(m) if isinstance(m, MailMessage) else dict(m) for m in messages])


def deliver_job(messages: list[dict]) -> int:
    """The job. A temporary failure raises, so rq retries the job; the messages that
    already went (or were refused for good) are remembered under the job's id and not
    sent again. Permanent refusals are logged and dropped."""
    import json

    from rq import get_current_job

    from lms_core import cache

    job = get_current_job()
    key = f"mail-done:{job.id}" if job is not None else None
    done = set(json.loads(cache.backend().get(key) or "[]")) if key else set()
    pending = [(i, m) for i, m in enumerate(messages) if i not in done]
    outcomes = deliver([MailMessage(**m) for _i, m in pending])
    temporary = []
    for (i, m), outcome in zip(pending, outcomes):
        if isinstance(outcome, TemporaryMailError):
            temporary.append(outcome)
            continue
        done.add(i)
        if isinstance(outcome, PermanentMailError):
            log.warning("mail to %s refused for good: %s", m["to"], outcome)
    if key:
        cache.backend().set(key, json.dumps(sorted(done)), 7 * 86400)
    if temporary:
        raise TemporaryMailError(
            f"{len(temporary)} message(s) not sent yet: {temporary[0]}", [r for t in temporary for r in t.recipients]
        )
    return len(pending)


def deliver(messages) -> list[MailError | None]:
    """Send now, over one connection; one outcome per message: ``None`` when it went,
    else the :class:`PermanentMailError` or :class:`TemporaryMailError` it met."""
    messages = list(messages)
    outcomes: list[MailError | None] = []
    connection = mailman.get_connection()
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        error = classify(exc, [])
        return [type(error)(str(error), m.recipients(), error.code) for m in messages]
    try:
        for message in messages:
            try:
                connection.send_messages([message.build(connection)])
            except (OSError, smtplib.SMTPException) as exc:
                outcomes.append(classify(exc, message.recipients()))
                lost = not isinstance(exc, smtplib.SMTPException) or isinstance(exc, smtplib.SMTPServerDisconnected)
                if lost:
                    _reopen(connection)
            else:
                outcomes.append(None)
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass
    return outcomes


def deliver_one(message: MailMessage) -> None:
    """Send one message now; raises :class:`PermanentMailError` or :class:`TemporaryMailError`."""
    outcome = deliver([message])[0]
    if outcome is not None:
        raise outcome


def _reopen(connection) -> None:
    try:
        connection.close()
    except (OSError, smtplib.SMTPException):
        pass
    connection.connection = None
    try:
        connection.open()
    except (OSError, smtplib.SMTPException):
        pass  # the next message meets the error and is classified as temporary


def classify(exc: BaseException, recipients) -> MailError:
    """An SMTP exception as a permanent (5xx) or temporary failure."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        error_class = PermanentMailError if codes and all(c >= 500 for c in codes) else TemporaryMailError
        return error_class(str(exc), list(exc.recipients), max(codes) if codes else None)
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int) and 500 <= code < 600:
        return PermanentMailError(str(exc), recipients, code)
    return TemporaryMailError(str(exc) or type(exc).__name__, recipients, code if isinstance(code, int) else None)


# ---------------------------------------------------------------- development: files


def mail_folder(app=None) -> Path:
    app = app or current_app
    return Path(app.config.get("MAIL_FILE_PATH") or Path(app.instance_path) / "mail")


class InstanceFolderEmailBackend(BaseEmailBackend):
    """Writes each message to ``instance/mail/<time>-<id>.eml`` (development, no SMTP)."""

    def send_messages(self, email_messages):
        folder = mail_folder()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            path = folder / f"{stamp}-{uuid.uuid4().hex}.eml"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            os.replace(tmp, path)  # a reader never sees half a file
        return len(email_messages)


@dataclass
class StoredMail:
    name: str
    subject: str
    to: str
    sender: str
    date: str
    sent_at: datetime | None = None  # the Date header, parsed (None if it was not a date)
    text: str | None = None
    html: str | None = None
    headers: list = field(default_factory=list)


def stored_mails(limit: int = 200) -> list[StoredMail]:
    """The newest written messages (headers only), newest first."""
    folder = mail_folder()
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if EML_NAME.match(p.name)), reverse=True)[:limit]
    return [m for m in (read_stored_mail(n, bodies=False) for n in names) if m is not None]


def read_stored_mail(name: str, bodies: bool = True) -> StoredMail | None:
    """One written message, parsed; ``None`` for a name that is not one of ours."""
    if not EML_NAME.match(name or ""):
        return None
    path = mail_folder() / name
    if not path.is_file():
        return None
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    mail = StoredMail(
        name=name,
        subject=str(parsed.get("Subject", "")),
        to=str(parsed.get("To", "")),
        sender=str(parsed.get("From", "")),
        date=str(parsed.get("Date", "")),
    )
    try:
        mail.sent_at = parsedate_to_datetime(mail.date)
    except (TypeError, ValueError, IndexError):
        mail.sent_at = None
    if bodies:
        mail.headers = [(k, str(v)) for k, v in parsed.items()]
        text = parsed.get_body(("plain",))
        html = parsed.get_body(("html",))
        mail.text = text.get_content() if text is not None else None
        mail.html = html.get_content() if html is not None else None
    return mail
