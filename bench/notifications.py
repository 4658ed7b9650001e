"""Announcements in bulk: 10,000 e-mails through the notifications plugin and rq workers
against raw smtplib on one connection, to the same local SMTP server, in the same run.

* SMTP server: aiosmtpd in its own process (``aiosmtpd.handlers.Sink``: it accepts and
  drops), on a free port of 127.0.0.1; both contenders talk to it.
* baseline: one ``smtplib.SMTP`` connection sending the same message (text + HTML, the
  same subject and body) to every recipient, built with ``email.message.EmailMessage``.
* plugin: the teacher's click (``POST /notifications/courses/<id>/announcements`` through
  Flask's test client), then ``--workers`` ``lms worker`` processes on Redis run the
  batches (``NOTIFICATIONS_BATCH_SIZE`` recipients per job, one SMTP connection each):
  inbox entries, preferences, delivery rows, the e-mails, their status. The clock stops
  when every recipient's e-mail delivery is ``sent``.

Goals: plugin rate / baseline rate >= 0.7, and the click queues everything in < 5 s.

    REDIS_URL=redis://127.0.0.1:6386/9 python -m bench.notifications [--count 10000] [--workers 2]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_notifications]

The Redis database given is flushed (use one of your own); the PostgreSQL database, when
given, is dropped and created again. Without ``--database-url`` a SQLite file is used.
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

GOAL_RATIO = 0.7
GOAL_QUEUE_SECONDS = 5.0
SUBJECT = "Room change for tomorrow's lecture"
BODY = "Tomorrow's lecture is in room 101, at 10:00. Bring your laptop and the exercises of week 3."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the SMTP server did not start")


def baseline(port: int, addresses: list[str]) -> float:
    """Raw smtplib: one connection, one EmailMessage (text + HTML) per recipient."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for address in addresses:
            message = EmailMessage()
            message["Subject"] = SUBJECT
            message["From"] = "LMS <lms@localhost>"
            message["To"] = address
            message.set_content(BODY)
            message.add_alternative(f"<p>{BODY}</p>", subtype="html")
            smtp.send_message(message)
    return time.perf_counter() - start


def prepare_database(url: str | None, folder: Path) -> str:
    if not url:
        return f"sqlite:///{folder / 'bench.sqlite3'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from lms_core.config import normalise_database_url

    target = make_url(normalise_database_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def populate(count: int):
    """A teacher, a course and ``count`` enrolled learners, inserted in bulk."""
    from lms_core import db
    from lms_core.models import Course, CourseStaff, Enrollment, User
    from lms_core.models.base import utcnow
    from lms_core.services import accounts

    teacher = accounts.register("teacher@example.org", "Ada Lovelace", "correct horse battery", role="teacher")
    course = Course(slug="python-101", title="Python 101", summary="", default_language="en", published=True)
    db.session.add(course)
    db.session.flush()
    db.session.add(CourseStaff(course_id=course.id, user_id=teacher.id))
    now = utcnow()
    db.session.execute(
        db.insert(User),
        [
            {
                "email": f"learner{i}@example.org",
                "name": f"Learner {i}",
                "password_hash": "x",
                "role": "student",
                "locale": "ru" if i % 3 == 0 else "en",
                "active": True,
                "created_at": now,
            }
            for i in range(count)
        ],
    )
    ids = db.session.execute(db.select(User.id).where(User.role == "student")).scalars().all()
    db.session.execute(
        db.insert(Enrollment),
        [{"user_id": i, "course_id": course.id, "status": "active", "enrolled_at": now} for i in ids],
    )
    db.session.commit()
    return teacher, course, [f"learner{i}@example.org" for i in range(count)]


def start_workers(n: int, env: dict, folder: Path) -> list[subprocess.Popen]:
    workers = []
    for i in range(n):
        log = open(folder / f"worker-{i}.log", "wb")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "lms_core.cli", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        )
    return workers


def wait_for_workers(app, n: int) -> None:
    from rq import Worker

    from lms_core import jobs

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(Worker.all(connection=jobs.redis_connection(app))) >= n:
            return
        time.sleep(0.1)
    raise RuntimeError("the workers did not start")


def sent_count(announcement_id: int) -> tuple[int, int]:
    from lms_core import db

    from lms_notifications.models import Delivery

    rows = dict(
        db.session.execute(
            db.select(Delivery.status, db.func.count(Delivery.id))
            .where(Delivery.announcement_id == announcement_id, Delivery.channel == "email")
            .group_by(Delivery.status)
        ).all()
    )
    db.session.commit()
    return rows.get("sent", 0), sum(v for k, v in rows.items() if k in ("given_up", "retrying", "skipped"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="recipients (default 10000)")
    parser.add_argument("--workers", type=int, default=2, help="lms worker processes (default 2)")
    parser.add_argument("--batch-size", type=int, default=500, help="recipients per job (default 500)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"), help="a Redis database of yours (flushed)")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (dropped and created)")
    args = parser.parse_args(argv)
    if not args.redis_url:
        print("bench.notifications needs Redis: give --redis-url or REDIS_URL (a database of your own)")
        return 1

    from lms_core import migrate
    from lms_core.app import create_app
    from lms_core.testing import login

    folder = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    smtp_port = free_port()
    smtp = start_smtp(smtp_port)
    database = prepare_database(args.database_url, folder)
    settings = {
        "SQLALCHEMY_DATABASE_URI": database,
        "REDIS_URL": args.redis_url,
        "LMS_PLUGINS": "notifications",
        "SECRET_KEY": "bench",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 30,
        "NOTIFICATIONS_BATCH_SIZE": args.batch_size,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "LMS_BASE_URL": "http://localhost",
        "NOTIFICATIONS_RATE_LIMIT": 0,
    }
    app = create_app(settings, instance_path=str(folder / "instance"))
    env = dict(
        os.environ,
        DATABASE_URL=database,
        REDIS_URL=args.redis_url,
        LMS_PLUGINS="notifications",
        SECRET_KEY="bench",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_TIMEOUT="30",
        LMS_BASE_URL="http://localhost",
    )
    workers = []
    try:
        with app.app_context():
            from lms_core import jobs

            jobs.redis_connection(app).flushdb()
            migrate.upgrade()
            teacher, course, addresses = populate(args.count)
            workers = start_workers(args.workers, env, folder)
            wait_for_workers(app, args.workers)

            base_seconds = baseline(smtp_port, addresses)

            client = app.test_client()
            login(client, teacher)
            click = time.perf_counter()
            response = client.post(
                f"/notifications/courses/{course.id}/announcements", data={"subject": SUBJECT, "body": BODY}
            )
            queued_seconds = time.perf_counter() - click
            if response.status_code != 303:
                print(f"the click answered {response.status_code}")
                return 1
            announcement_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
            deadline = time.monotonic() + 600
            sent = failed = 0
            while time.monotonic() < deadline:
                sent, failed = sent_count(announcement_id)
                if sent + failed >= args.count:
                    break
                time.sleep(0.05)
            plugin_seconds = time.perf_counter() - click
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        smtp.terminate()
        smtp.wait(timeout=10)

    n = args.count
    ratio = base_seconds / plugin_seconds
    print(
        f"{n} e-mails to one local SMTP server (aiosmtpd), {args.workers} rq workers, "
        f"{args.batch_size} recipients per job, {'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    print(f"{'':34} {'seconds':>8} {'mails/s':>8}")
    print(f"{'raw smtplib, one connection':34} {base_seconds:8.2f} {n / base_seconds:8.0f}")
    print(f"{'plugin: click to all sent':34} {plugin_seconds:8.2f} {n / plugin_seconds:8.0f}")
    print(f"sent {sent}, failed {failed}")
    print(f"ratio plugin/baseline: {ratio:.2f}; goal >= {GOAL_RATIO}")
    print(f"queued from the click in {queued_seconds:.2f} s; goal < {GOAL_QUEUE_SECONDS:.0f} s")
    met = ratio >= GOAL_RATIO and queued_seconds < GOAL_QUEUE_SECONDS and sent == n
    print("goal met" if met else "GOAL MISSED")
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"notifications-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps(
            {
                "count": n,
                "workers": args.workers,
                "batch_size": args.batch_size,
                "baseline_seconds": base_seconds,
                "plugin_seconds": plugin_seconds,
                "queued_seconds": queued_seconds,
                "ratio": ratio,
                "sent": sent,
            }
        )
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
