"""The production shape, with faults: nothing a learner did is lost or done twice.

Two web processes (gunicorn, the worker class docs/deployment.md recommends), two
``lms worker`` (the default one, running jobs in its own process, and one with
``--fork``), one ``lms scheduler``, PostgreSQL (the test database) and a Redis server
this test starts itself on a free port (so it can restart it). Fifty students, each in
a thread with a cookie session, sign in, enrol, read the lessons, pass the quizzes (a
third of them fail once first) and complete the course over HTTP. During the run the
test SIGKILLs whichever worker it first catches in the middle of a job (a forking one
together with its work horse), SIGKILLs one web process (a load balancer then sends
everybody to the other one) and restarts Redis.

At the end, once the event log and the queues have drained: every passed quiz has its
points exactly once, every completed course exactly one certificate, every greeting and
certificate notification is in its inbox once, no delivery or job is stuck or given up,
and no request failed except those in flight on the killed web process.

Only in the PostgreSQL + Redis run (SQLite is one process's database).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from lms_core.extensions import db
from lms_core.models import Attempt, Enrollment, EventDelivery, JobFailure, Notification
from lms_core.testing import PASSWORD

pytestmark = [
    pytest.mark.lms_config(LMS_PLUGINS="certificates,gamification,hello"),
    pytest.mark.skipif(
        not (os.environ.get("LMS_TEST_DATABASE_URL") and os.environ.get("LMS_TEST_REDIS_URL")),
        reason="the deployment test runs on PostgreSQL + Redis",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server to start its own Redis"),
]

STUDENTS = 50
START_SECONDS = 60
RUN_SECONDS = 240  # the students' part, at most
DRAIN_SECONDS = 480  # an abandoned job waits 65 s for its heartbeat to expire; a loaded machine runs jobs slowly
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SUBMIT = re.compile(r'action="/attempts/(\d+)/submit"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Fleet:
    """Every process the test starts, each in a session of its own (so a SIGKILL of the
    group takes its children too); all stopped in ``stop_all``."""

    def __init__(self, folder: Path, env: dict):
        self.folder, self.env, self.processes = folder, env, {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")
        process = subprocess.Popen(
            argv, env=self.env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        process = self.processes[name]
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=10)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.folder / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class Redis:
    """A redis-server of the test's own, with an append-only file so a restart keeps the
    queues (as docs/deployment.md asks of production)."""

    def __init__(self, fleet: Fleet):
        self.fleet, self.port = fleet, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        (fleet.folder / "redis").mkdir()

    def start(self) -> None:
        self.fleet.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.fleet.folder / "redis"),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--protected-mode",
                "no",
            ],
        )
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start:\n{self.fleet.tail('redis')}")

    def restart(self, down_seconds: float) -> None:
        process = self.fleet.processes["redis"]
        process.terminate()  # a clean shutdown flushes the append-only file
        process.wait(timeout=20)
        time.sleep(down_seconds)
        self.start()


class LoadBalancer:
    """Sends each student to one of the web processes; a dead one gets nobody."""

    def __init__(self, urls: dict[str, str]):
        self.urls, self.dead, self.killed_at = urls, set(), None

    def pick(self, index: int) -> tuple[str, str]:
        alive = [name for name in sorted(self.urls) if name not in self.dead]
        name = alive[index % len(alive)]
        return name, self.urls[name]


class Student(threading.Thread):
    def __init__(self, index, user, course, lessons, quizzes, balancer, ledger):
        super().__init__(daemon=True, name=f"student-{index}")
        self.index, self.email = index, user.email
        self.course, self.lessons, self.quizzes = course, lessons, quizzes
        self.balancer, self.ledger = balancer, ledger
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None
        self.error = None

    # -------------------------------------------------------------- one request, as a browser
    def request(self, path, data=None, expect=200):
        for attempt in range(3):
            server, base = self.balancer.pick(self.index)
            if attempt and data is not None:
                # as a person would: reload, since the lost answer may have changed the
                # session (a login renews it, and with it the form's CSRF token)
                self.request("/")
            started = time.monotonic()
            body = None
            if data is not None:
                body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
            try:
                with self.opener.open(base + path, data=body, timeout=60) as response:
                    text = response.read().decode()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status, text = exc.code, exc.read().decode(errors="replace")
            except (OSError, http.client.HTTPException) as exc:  # refused, reset, cut short: the process is gone
                self.ledger.failed(server, path, started, repr(exc))
                time.sleep(0.2)
                continue
            self.ledger.answered(server, path, status)
            if status != expect:
                said = re.findall(r'class="(?:flash[^"]*|error[^"]*)"[^>]*>([^<]+)<', text)
                raise AssertionError(f"{self.email}: {path} answered {status} on {server}: {said}")
            match = CSRF.search(text)
            if match:
                self.csrf = match.group(1)
            return text
        raise AssertionError(f"{self.email}: {path} failed three times")

    def pause(self):
        time.sleep(random.uniform(0.2, 0.6))

    # -------------------------------------------------------------- a learner's afternoon
    def run(self):
        try:
            time.sleep(random.uniform(0, 6))
            self.request("/login")
            page = self.request("/login", {"email": self.email, "password": PASSWORD})
            assert "Log out" in page, page[:300]
            self.pause()
            self.request(f"/courses/{self.course}/enrol", {})
            for lesson_id in self.lessons:
                self.pause()
                self.request(f"/lessons/{lesson_id}")
                self.request(f"/lessons/{lesson_id}/complete", {})
            for number, (quiz_id, answers) in enumerate(self.quizzes):
                tries = [False, True] if (self.index % 3 == 0 and number == 0) else [True]
                for correct in tries:
                    self.pause()
                    page = self.request(f"/quizzes/{quiz_id}/start", {})
                    match = SUBMIT.search(page)
                    if match is None:
                        continue  # passed already by a request the dead web process answered too late
                    self.request(f"/attempts/{match.group(1)}/submit", answers[correct])
            self.pause()
            self.request("/dashboard")
        except Exception as exc:  # reported by the test
            self.error = exc


class Ledger:
    """Every request's outcome, and which failures the faults excuse."""

    def __init__(self, balancer: LoadBalancer):
        self.balancer, self.lock = balancer, threading.Lock()
        self.answers, self.failures = 0, []

    def answered(self, server, path, status):
        with self.lock:
            self.answers += 1

    def failed(self, server, path, started, error):
        with self.lock:
            self.failures.append((server, path, started, error))

    def excused(self, failure) -> bool:
        server, _path, started, _error = failure
        killed = self.balancer.killed_at
        return server == "web-b" and killed is not None and started <= killed


def _periodic_job(redis_url, job_id) -> bool:
    from redis import Redis as RedisClient
    from rq.job import Job

    try:
        return "run_periodic" in (Job.fetch(job_id, connection=RedisClient.from_url(redis_url)).description or "")
    except Exception:  # noqa: BLE001 - gone already: not worth killing for
        return True


def current_job_of(connection, pid):
    from rq import Worker

    for worker in Worker.all(connection=connection):
        if worker.pid == pid:
            return worker.get_current_job_id()
    return None


def horse_of(pid: int) -> int | None:
    """The work horse a worker forked for its current job (a child in its own group)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    for child in map(int, children):
        try:
            if os.getpgid(child) == child:
                return child
        except ProcessLookupError:
            continue
    return None


def kill_a_worker_mid_job(fleet, redis_url, report) -> None:
    """SIGKILL a worker in the middle of a job of the students' events: a forking one
    (``--fork``) with its work horse, killed first; one running jobs in process is
    stopped (SIGSTOP) while the job is seen running, then killed."""
    from redis import Redis as RedisClient
    from rq.job import Job, JobStatus

    connection = RedisClient.from_url(redis_url)
    # Jobs last milliseconds: on a loaded machine catching one in flight can take a while.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for name in ("worker-1", "worker-2"):
            pid = fleet.processes[name].pid
            job_id = current_job_of(connection, pid)
            if not job_id or _periodic_job(redis_url, job_id):
                continue
            horse = horse_of(pid)
            if horse:
                try:
                    os.kill(horse, signal.SIGKILL)  # the horse first: the job dies in flight
                except ProcessLookupError:
                    continue  # the job ended between the look and the kill: catch another
                fleet.kill(name)
                report.append(
                    f"SIGKILL `lms worker --fork` {name} (pid {pid}) and its work horse (pid {horse}) "
                    f"in the middle of job {job_id}"
                )
                return job_id
            os.kill(pid, signal.SIGSTOP)
            try:
                running = Job.fetch(job_id, connection=connection).get_status() == JobStatus.STARTED
            except Exception:  # noqa: BLE001 - gone already
                running = False
            if not running or current_job_of(connection, pid) != job_id:
                os.kill(pid, signal.SIGCONT)  # it ended between the look and the stop: catch another
                continue
            fleet.kill(name)
            report.append(f"SIGKILL `lms worker` {name} (pid {pid}, jobs in process) in the middle of job {job_id}")
            return job_id
        time.sleep(0.002)
    raise AssertionError("no worker was ever caught in the middle of a job")


def test_fifty_students_lose_nothing_while_a_worker_a_web_process_and_redis_fail(app, factory, tmp_path, capsys):
    from lms_gamification.models import PointAward, Score
    from lms_certificates.models import Certificate
    from lms_hello.models import Greeting

    # ------------------------------------------------------------------ the course
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Staying up")
    lessons = [factory.lesson(course, title=f"Part {n}") for n in (1, 2)]
    quizzes = []
    for n in (1, 2):
        quiz = factory.quiz(course, title=f"Check {n}")
        [question] = quiz.questions
        right = next(c.id for c in question.choices if c.correct)
        wrong = next(c.id for c in question.choices if not c.correct)
        quizzes.append((quiz.id, {True: {str(question.id): str(right)}, False: {str(question.id): str(wrong)}}))
    students = [factory.user(name=f"Student {n}", email=f"student{n}@faults.example") for n in range(STUDENTS)]

    # ------------------------------------------------------------------ the deployment
    folder = tmp_path / "fleet"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "REDIS_URL", "DATABASE_URL"))}
    fleet = Fleet(folder, env)
    redis_server = Redis(fleet)
    report, checked = [], []
    try:
        redis_server.start()
        env.update(
            {
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "REDIS_URL": redis_server.url,
                "SECRET_KEY": "test-secret",
                "LMS_PLUGINS": "certificates,gamification,hello",
                "LMS_INSTANCE_PATH": app.instance_path,
                "PYTHONUNBUFFERED": "1",
                "LMS_DATABASE_POOL_SIZE": "30",
                # short pauses, so that the test sees every repair within minutes
                "LMS_EVENT_DISPATCH_GRACE": "5",
                "LMS_EVENT_REDELIVERY_INTERVAL": "2",
                "LMS_EVENT_RETRY_INTERVALS": "1,2,4,8,15,30",
                "LMS_JOB_RETRY_INTERVALS": "2,5,10,20",
            }
        )
        urls = {}
        for name in ("web-a", "web-b"):
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}"
            env["LMS_BASE_URL"] = urls[name]
            fleet.start(
                name,
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-w",
                    "1",
                    "--threads",
                    "100",
                    "-b",
                    f"127.0.0.1:{port}",
                    "lms_core.wsgi:app",
                ],
            )
        # the default worker (jobs in its own process) and a forking one (`--fork`)
        fleet.start("worker-1", [sys.executable, "-m", "lms_core.cli", "worker"])
        fleet.start("worker-2", [sys.executable, "-m", "lms_core.cli", "worker", "--fork"])
        fleet.start("scheduler", [sys.executable, "-m", "lms_core.cli", "scheduler"])
        for name, url in urls.items():
            wait_until_serving(fleet, name, url)

        balancer = LoadBalancer(urls)
        ledger = Ledger(balancer)
        learners = [
            Student(i, user, course.slug, [lesson.id for lesson in lessons], quizzes, balancer, ledger)
            for i, user in enumerate(students)
        ]
        started = time.monotonic()
        for learner in learners:
            learner.start()

        # ------------------------------------------------------------------ the faults
        time.sleep(3)
        killed = {"job": kill_a_worker_mid_job(fleet, redis_server.url, report)}
        fleet.start("worker-1b", [sys.executable, "-m", "lms_core.cli", "worker"])  # as systemd would
        report.append("started a replacement worker")
        time.sleep(2)
        balancer.dead.add("web-b")
        balancer.killed_at = time.monotonic()
        fleet.kill("web-b")
        report.append("SIGKILL web process web-b (gunicorn master and worker); the balancer sends everybody to web-a")
        time.sleep(2)
        redis_server.restart(down_seconds=2)
        report.append("restarted Redis (down for 2 s)")

        for learner in learners:
            learner.join(timeout=max(1, RUN_SECONDS - (time.monotonic() - started)))
        stuck = [learner.name for learner in learners if learner.is_alive()]
        assert not stuck, f"students still busy after {RUN_SECONDS} s: {stuck}"
        errors = [f"{learner.name}: {learner.error}" for learner in learners if learner.error]
        assert not errors, "\n".join(errors)
        ran_for = time.monotonic() - started

        # ------------------------------------------------------------------ drained?
        drained_in = wait_until_drained(app, redis_server.url, DRAIN_SECONDS)

        # ------------------------------------------------------------------ what must hold
        db.session.expire_all()
        unexcused = [f for f in ledger.failures if not ledger.excused(f)]
        assert not unexcused, f"requests failed outside the killed web process: {unexcused}"
        checked.append(
            f"{ledger.answers} requests answered; {len(ledger.failures)} failed, all of them in "
            "flight on web-b when it was killed"
        )

        passed = set(
            db.session.execute(db.select(Attempt.user_id, Attempt.quiz_id).where(Attempt.passed.is_(True))).all()
        )
        assert len(passed) == STUDENTS * len(quizzes)
        awards = db.session.execute(db.select(PointAward.user_id, PointAward.cause)).all()
        for user_id, quiz_id in passed:
            assert awards.count((user_id, f"quiz:{quiz_id}:pass")) == 1, (user_id, quiz_id)
        totals = dict(
            db.session.execute(
                db.select(PointAward.user_id, db.func.sum(PointAward.points)).group_by(PointAward.user_id)
            ).all()
        )
        boards = dict(db.session.execute(db.select(Score.user_id, Score.points).where(Score.board == "all")).all())
        assert boards == totals, "the leaderboard totals differ from the awards"
        checked.append(
            f"{len(passed)} passed quizzes: each has its points exactly once; the {len(boards)} "
            "leaderboard totals equal the awards"
        )

        completed = db.session.execute(
            db.select(Enrollment.id, Enrollment.user_id).where(Enrollment.status == "completed")
        ).all()
        if len(completed) != STUDENTS:  # say whose course is not complete, and what they have
            from lms_core.models import LessonCompletion

            done = {user_id for _e, user_id in completed}
            rows = db.session.execute(db.select(Enrollment.user_id, Enrollment.status, Enrollment.completed_at)).all()
            lessons_done = db.session.execute(db.select(LessonCompletion.user_id, LessonCompletion.lesson_id)).all()
            missing = {
                user_id: (status, completed_at, sorted(lesson for u, lesson in lessons_done if u == user_id))
                for user_id, status, completed_at in rows
                if user_id not in done
            }
            raise AssertionError(f"courses not completed (status, completed_at, lessons done): {missing}\n{report}")
        certificates = db.session.execute(db.select(Certificate.enrollment_id, Certificate.pdf_path)).all()
        assert sorted(e for e, _p in certificates) == sorted(e for e, _u in completed)
        assert all(path for _e, path in certificates), "a certificate without its PDF"
        checked.append(f"{len(completed)} completed courses: exactly one certificate each, each with its PDF")

        inbox = db.session.execute(db.select(Notification.user_id, Notification.kind)).all()
        for _enrollment_id, user_id in completed:
            assert inbox.count((user_id, "certificates.issued")) == 1, user_id
        greetings = db.session.execute(db.select(Greeting.user_id, Greeting.quiz_id)).all()
        assert sorted(greetings) == sorted(passed)
        for user in students:
            assert inbox.count((user.id, "hello.greeting")) == len(quizzes), user.id
        checked.append(f"{len(inbox)} notifications: every certificate's and every greeting's once in its inbox")

        undelivered = db.session.execute(
            db.select(db.func.count()).select_from(EventDelivery).where(EventDelivery.delivered_at.is_(None))
        ).scalar_one()
        delivered = db.session.execute(db.select(db.func.count()).select_from(EventDelivery)).scalar_one()
        retried = db.session.execute(
            db.select(db.func.count()).select_from(EventDelivery).where(EventDelivery.attempts > 1)
        ).scalar_one()
        from lms_core.models import Event

        late = sum(
            1
            for created, done in db.session.execute(
                db.select(Event.created_at, EventDelivery.delivered_at).join(Event, Event.id == EventDelivery.event_id)
            )
            if (done - created).total_seconds() > 4
        )  # past the grace: the periodic task delivered it
        from rq.job import Job
        from redis import Redis as RedisClient

        killed_job = Job.fetch(killed["job"], connection=RedisClient.from_url(redis_server.url))
        # its effect is checked above (points, certificates, inbox); its own record in rq:
        checked.append(f"the job killed mid-run ({killed_job.description}) ends {killed_job.get_status()}")
        final = db.session.execute(
            db.select(db.func.count()).select_from(JobFailure).where(JobFailure.final.is_(True))
        ).scalar_one()
        assert undelivered == 0 and final == 0
        checked.append(
            f"event log drained in {drained_in:.0f} s: {delivered} deliveries, {retried} needed more "
            f"than one try, {late} were delivered by the periodic task, none given up; no job stuck"
        )
    except BaseException:
        for name in sorted(fleet.processes):
            print(f"---- {name} (last lines)\n{fleet.tail(name, 40)}")
        raise
    finally:
        fleet.stop_all()
    with capsys.disabled():
        print(f"\n---- deployment under faults ({STUDENTS} students, students' part {ran_for:.0f} s)")
        for line in report:
            print(f"  injected: {line}")
        for line in checked:
            print(f"  checked:  {line}")


def wait_until_serving(fleet, name, url):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if fleet.processes[name].poll() is not None:
            raise RuntimeError(f"{name} exited:\n{fleet.tail(name)}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer within {START_SECONDS} s:\n{fleet.tail(name)}")


def wait_until_drained(app, redis_url, seconds) -> float:
    """Until no delivery waits and rq holds no job but the periodic tasks' own."""
    from redis import Redis as RedisClient
    from rq import Queue
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    from lms_core.jobs import QUEUE_NAME

    connection = RedisClient.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=connection)
    started = time.monotonic()
    state = None
    while time.monotonic() - started < seconds:
        db.session.expire_all()
        waiting = db.session.execute(
            db.select(db.func.count()).select_from(EventDelivery).where(EventDelivery.delivered_at.is_(None))
        ).scalar_one()
        db.session.rollback()
        # cleanup=False: counting must not do the recovery the deployment has to do itself
        jobs = {
            "queued": queue.get_job_ids(),
            "popped": queue.intermediate_queue.get_job_ids(),
            "started": StartedJobRegistry(queue=queue).get_job_ids(cleanup=False),
            "scheduled": ScheduledJobRegistry(queue=queue).get_job_ids(cleanup=False),
            "failed": FailedJobRegistry(queue=queue).get_job_ids(cleanup=False),
        }
        busy = {kind: [j for j in ids if not _periodic(queue, j)] for kind, ids in jobs.items()}
        state = (waiting, {kind: len(ids) for kind, ids in busy.items()})
        if waiting == 0 and not any(busy.values()):
            return time.monotonic() - started
        time.sleep(1)
    raise AssertionError(f"not drained after {seconds} s: undelivered events, jobs = {state}")


def _periodic(queue, job_id) -> bool:
    job = queue.fetch_job(job_id)
    return job is not None and "run_periodic" in (job.description or "")
