"""What the durable event log costs: quiz submissions per second with the log and with
the same build dispatching without it (``LMS_EVENT_LOG=False``), and the lag from the
commit to the last handler done, while rq workers run the jobs the handlers enqueue.

Submissions go through the services (``quizzes.start_attempt`` + ``submit_attempt``,
what the quiz pages call) with every installed plugin enabled, on PostgreSQL
(``--database-url``, an EMPTY database) or SQLite in a temporary folder, with a Redis
server this benchmark starts on a free port and two ``lms worker`` processes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.servers import REPOSITORY, free_port

GOAL_RATIO = 0.9
GOAL_P99_MS = 250
STUDENTS = 60


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300, help="quiz submissions per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per mode (median reported)")
    parser.add_argument("--workers", type=int, default=2, help="`lms worker` processes running meanwhile")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: SQLite in a temporary folder)")
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        print("bench.events needs redis-server (apt-get install redis-server)")
        return 1
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-events-"))
    processes = []
    try:
        redis_url = _start_redis(folder, processes)
        database_url = args.database_url or f"sqlite:///{folder / 'lms.sqlite3'}"
        app = _prepare(database_url, redis_url, folder)
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            SECRET_KEY="bench",
            LMS_INSTANCE_PATH=str(folder / "instance"),
            PYTHONPATH=str(REPOSITORY),
        )
        for n in range(args.workers):
            log = open(folder / f"worker-{n}.log", "wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "lms_core.cli", "worker"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=folder,
                )
            )
        result = _measure(app, args.submissions, args.rounds)
        result["database"] = "postgresql" if database_url.startswith("postgres") else "sqlite"
        result["workers"] = args.workers
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)
    print(report(result))
    path = save(result)
    print(f"  (numbers saved to {path.relative_to(REPOSITORY)})")
    return 0 if result["goals_met"] else 1


def _start_redis(folder: Path, processes: list) -> str:
    import redis

    port = free_port()
    processes.append(
        subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(url).ping()
            return url
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def _prepare(database_url, redis_url, folder):
    from lms_core import migrate
    from lms_core.app import create_app
    from lms_core.config import normalise_database_url
    from lms_core.testing import Factory

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "REDIS_URL": redis_url,
            "SECRET_KEY": "bench",
            "LMS_PLUGINS": "all",
        },
        instance_path=str(folder / "instance"),
    )
    app.app_context().push()
    migrate.upgrade()
    factory = Factory(app)
    course = factory.course(title="Benchmarks")
    factory.lesson(course)
    quiz = factory.quiz(course, title="Quick check")
    students = []
    for _ in range(STUDENTS):
        student = factory.user(password="bench-password-1")
        factory.enrol(student, course)
        students.append(student.id)
    app.bench = {"quiz": quiz.id, "students": students, "answers": factory.answers(quiz, True)}
    return app


def _submit_many(app, count: int, offset: int) -> float:
    from lms_core.extensions import db
    from lms_core.models import Quiz, User
    from lms_core.services import quizzes

    quiz = db.session.get(Quiz, app.bench["quiz"])
    students = app.bench["students"]
    began = time.perf_counter()
    for n in range(count):
        user = db.session.get(User, students[(offset + n) % len(students)])
        attempt = quizzes.start_attempt(user, quiz)
        quizzes.submit_attempt(user, attempt, dict(app.bench["answers"]))
    return time.perf_counter() - began


def _measure(app, submissions: int, rounds: int) -> dict:
    from lms_core.events import event_id_floor
    from lms_core.extensions import db
    from lms_core.models import Event, EventDelivery, utcnow

    _submit_many(app, 50, 0)  # warm-up: every student's first pass (certificates, greetings) is behind us
    per_second = {"log": [], "baseline": []}
    log_started = []
    offset = 50
    for round_number in range(rounds):
        order = ("log", "baseline") if round_number % 2 == 0 else ("baseline", "log")
        for mode in order:
            app.config["LMS_EVENT_LOG"] = mode == "log"
            if mode == "log":
                log_started.append(event_id_floor(utcnow()))
            seconds = _submit_many(app, submissions, offset)
            offset += submissions
            per_second[mode].append(submissions / seconds)
    app.config["LMS_EVENT_LOG"] = True

    # commit -> last handler done, for the events of the measured rounds with the log
    lags = []
    for floor in log_started:
        rows = db.session.execute(
            db.select(Event.created_at, db.func.max(EventDelivery.delivered_at))
            .join(EventDelivery, EventDelivery.event_id == Event.id)
            .where(Event.id >= floor, Event.hook.in_(("on_quiz_submitted", "on_quiz_passed")))
            .group_by(Event.id, Event.created_at)
        ).all()
        lags += [(done - created).total_seconds() * 1000 for created, done in rows if done is not None]
    undelivered = db.session.execute(
        db.select(db.func.count()).select_from(EventDelivery).where(EventDelivery.delivered_at.is_(None))
    ).scalar_one()
    job_lags = _job_lags(app)
    log_rate, base_rate = statistics.median(per_second["log"]), statistics.median(per_second["baseline"])
    ratio = log_rate / base_rate
    p50, p99 = _percentile(lags, 50), _percentile(lags, 99)
    return {
        "submissions": submissions,
        "rounds": rounds,
        "per_second": per_second,
        "log_per_second": log_rate,
        "baseline_per_second": base_rate,
        "ratio": ratio,
        "lag_ms": {"p50": p50, "p99": p99, "events": len(lags)},
        "undelivered": undelivered,
        "job_lag_ms": job_lags,
        "goals_met": ratio >= GOAL_RATIO and p99 < GOAL_P99_MS and undelivered == 0,
    }


def _job_lags(app) -> dict:
    """Enqueue -> done of the jobs the handlers enqueued, as the workers ran them."""
    from rq.registry import FinishedJobRegistry

    from lms_core import jobs

    deadline = time.monotonic() + 120
    queue = jobs.queue(app)
    while queue.count and time.monotonic() < deadline:
        time.sleep(0.5)
    registry = FinishedJobRegistry(queue=queue)
    lags = []
    for job in queue.job_class.fetch_many(registry.get_job_ids(), connection=queue.connection):
        if job is not None and job.enqueued_at and job.ended_at:
            lags.append((job.ended_at - job.enqueued_at).total_seconds() * 1000)
    return {"p50": _percentile(lags, 50), "p99": _percentile(lags, 99), "jobs": len(lags), "left_in_queue": queue.count}


def _percentile(values, percent):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(percent / 100 * (len(ordered) - 1))))]


def report(result: dict) -> str:
    ratio_ok = result["ratio"] >= GOAL_RATIO
    lag = result["lag_ms"]
    jobs = result["job_lag_ms"]
    return "\n".join(
        [
            f"bench.events: {result['submissions']} quiz submissions x {result['rounds']} rounds per mode, "
            f"{result['database']}, Redis, {result['workers']} rq workers running, every plugin enabled",
            f"  with the event log       {result['log_per_second']:8.1f} submissions/s",
            f"  without (LMS_EVENT_LOG=0) {result['baseline_per_second']:7.1f} submissions/s",
            f"  ratio                    {result['ratio']:8.3f}   (goal >= {GOAL_RATIO}): "
            f"{'MET' if ratio_ok else 'NOT MET'}",
            f"  commit -> last handler done: p50 {lag['p50']:.1f} ms, p99 {lag['p99']:.1f} ms over {lag['events']} "
            f"events (goal p99 < {GOAL_P99_MS} ms): {'MET' if lag['p99'] < GOAL_P99_MS else 'NOT MET'}",
            f"  enqueue -> job done in a worker: p50 {jobs['p50']:.1f} ms, p99 {jobs['p99']:.1f} ms over "
            f"{jobs['jobs']} jobs ({jobs['left_in_queue']} left in the queue)",
            f"  undelivered deliveries at the end: {result['undelivered']}",
        ]
    )


def save(result: dict) -> Path:
    folder = REPOSITORY / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"events-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path


if __name__ == "__main__":
    sys.exit(main())
