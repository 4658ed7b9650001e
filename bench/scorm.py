"""SCORM commits under load: 200 learners, each committing their SCO's data once a
second (a typical SCO commits on every page, and scorm-again's autocommit does so on
a timer), against the commit endpoint of the SCORM plugin, for ``--seconds``.

The goal (issue 14): the commit endpoint's p99 stays under 100 ms on this machine. The
baseline, measured in the same run with the same schedule and server: the bare Flask
app of ``bench/hello.py``. The load generator shares the cores with the server: its CPU
per request is printed, with the server's and PostgreSQL's per commit (from /proc).
Both are served by gunicorn with ``--workers`` sync workers;
the LMS on PostgreSQL (``--database-url``, recreated) or SQLite. The first two seconds
(the workers' first requests, each learner's first commit that starts its attempt) are
reported on their own line; the goal is judged on the rest.

    .venv/bin/python -m bench.scorm [--learners 200] [--seconds 20] [--workers 4]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.servers import REPOSITORY, gunicorn

WARMUP_SECONDS = 2  # measured apart: the workers' first requests and the attempts' first commits

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/lms_bench_scorm"
GOAL_P99_MS = 100.0
SECRET = "bench-scorm"

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
 xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
<organizations default="o"><organization identifier="o"><title>Bench</title>
<item identifier="i1" identifierref="r1"><title>Page</title></item></organization></organizations>
<resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
<file href="index.html"/></resource></resources></manifest>"""


def package_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("index.html", "<p>bench</p>")
    return buffer.getvalue()


def prepare(database_url: str, instance: Path, learners: int) -> list[str]:
    """The platform: a course with one SCO and ``learners`` enrolled learners, each with
    the player opened (the attempt starts on the first commit); returns their runtime
    tokens and the statements a commit costs."""
    from werkzeug.datastructures import FileStorage

    from lms_core import migrate
    from lms_core.app import create_app
    from lms_core.config import normalise_database_url
    from lms_core.extensions import db
    from lms_core.models import Enrollment, User
    from lms_core.services import accounts, courses
    from lms_scorm_xapi.scorm import packages, runtime

    if database_url.startswith("postgresql"):
        from bench.leaderboard import recreate_postgres_database

        recreate_postgres_database(database_url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SECRET_KEY": SECRET,
            "LMS_PLUGINS": "scorm_xapi",
            "LMS_PLUGINS_STRICT": True,
            "TESTING": True,
        },
        instance_path=str(instance),
    )
    with app.app_context(), app.test_request_context():
        migrate.upgrade()
        teacher = accounts.register("teacher@bench.example", "Bench Teacher", "bench-password-1", role="teacher")
        course = courses.create_course(teacher, "Bench", "", "en")
        course.published = True
        db.session.commit()
        package = packages.import_package(FileStorage(io.BytesIO(package_zip()), "bench.zip"), course, teacher)
        sco = package.scos[0]
        first = accounts.register("learner0@bench.example", "Learner 0", "bench-password-1")
        users = [first] + [
            User(
                email=f"learner{n}@bench.example",
                name=f"Learner {n}",
                password_hash=first.password_hash,
                role="student",
            )
            for n in range(1, learners)
        ]
        db.session.add_all(users[1:])
        db.session.flush()
        db.session.add_all(Enrollment(user_id=u.id, course_id=course.id, status="active") for u in users)
        db.session.commit()
        tokens = [runtime.open_player(user, sco).token for user in users]
    return tokens, statements_per_commit(app, tokens[0])


def statements_per_commit(app, token: str) -> dict:
    """SQL statements of a learner's first commit (it starts the attempt) and of a
    commit that only saves progress, counted in process on the app's engine."""
    from lms_core.extensions import db
    from lms_core.testing import count_sql

    client = app.test_client()
    counts = {}
    with app.app_context():
        for name, tick in (("first", 0), ("steady", 1)):
            db.session.remove()
            with count_sql(db.engine) as sql:
                response = client.post(f"/scorm/runtime/{token}/commit?seq={tick + 1}", data=commit_body(0, tick))
            assert response.status_code == 200, response.get_data(as_text=True)
            counts[name] = sql.count
    return counts


def commit_body(n: int, tick: int) -> bytes:
    data = {
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.lesson_location": f"page-{tick}",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": f"00:00:{tick % 60:02d}",
        "cmi.core.score.raw": str(tick % 100),
        "cmi.suspend_data": (f"{n}:{tick}:" + "progress-" * 200)[:2000],
    }
    for i in range(5):
        data[f"cmi.interactions.{i}.id"] = f"q{i}"
        data[f"cmi.interactions.{i}.result"] = "correct" if (tick + i) % 2 else "wrong"
    return json.dumps(data).encode()


def _learner(base: str, path_of, n: int, start: float, seconds: float, out: list, errors: list) -> None:
    parts = urlsplit(base)
    tick = 0
    offset = (n % 100) / 100  # spread the learners over the second
    while True:
        due = start + offset + tick
        if due > start + seconds or time.monotonic() > start + seconds:
            return  # a learner that fell behind sends no backlog: the run stays bounded
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        method, path, body = path_of(n, tick)
        began = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request(method, path, body=body, headers={"Content-Type": "text/plain"} if body else {})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                errors.append(response.status)
        except OSError as error:
            errors.append(str(error))
        out.append((tick, time.perf_counter() - began))
        tick += 1


def _process(
    base: str, kind: str, tokens: list[str], first: int, count: int, start: float, seconds: float, queue
) -> None:
    def path_of(n, tick):
        if kind == "hello":
            return "GET", "/", None
        return "POST", f"/scorm/runtime/{tokens[n]}/commit?seq={tick + 1}", commit_body(n, tick)

    out, errors = [], []
    cpu_before = time.process_time()
    threads = [
        threading.Thread(target=_learner, args=(base, path_of, n, start, seconds, out, errors), daemon=True)
        for n in range(first, first + count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    queue.put((out, errors, time.process_time() - cpu_before))


def _cpu_seconds(marks: tuple[str, ...]) -> dict[int, float]:
    """CPU seconds (user + system) so far of this machine's processes whose command line
    holds one of ``marks``: a gunicorn's workers (its bind address), a database's
    PostgreSQL backends (``postgres: <user> <database> ...``)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not any(mark in command for mark in marks):
                continue
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        found[int(entry)] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return found


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def drive(
    base: str,
    kind: str,
    tokens: list[str],
    learners: int,
    seconds: float,
    processes: int = 4,
    database: str | None = None,
) -> dict:
    """Run the load; besides the latencies, the CPU it cost per request: the load
    generator's own (it shares the machine's cores with what it measures), the server's
    (gunicorn's processes) and PostgreSQL's backends for ``database``."""
    parts = urlsplit(base)
    server_marks = (f"{parts.hostname}:{parts.port}",)
    database_marks = (f"postgres {database} ",) if database else ()
    server_before, database_before = _cpu_seconds(server_marks), _cpu_seconds(database_marks) if database else {}
    queue = multiprocessing.Queue()
    start = time.monotonic() + 1.0
    # The CPU counters again once the warm-up is over (workers' first requests, the
    # attempts' first commits): the steady commits' CPU is what follows.
    steady_marks: dict[str, dict[int, float]] = {}

    def mark_steady():
        time.sleep(max(0.0, start + WARMUP_SECONDS - time.monotonic()))
        steady_marks["server"] = _cpu_seconds(server_marks)
        steady_marks["database"] = _cpu_seconds(database_marks) if database else {}

    marker = threading.Thread(target=mark_steady, daemon=True)
    marker.start()
    share = -(-learners // processes)
    workers = []
    for p in range(processes):
        first = p * share
        count = max(0, min(share, learners - first))
        if count:
            proc = multiprocessing.Process(
                target=_process, args=(base, kind, tokens, first, count, start, seconds, queue)
            )
            proc.start()
            workers.append(proc)
    latencies, errors = [], []
    generator_cpu = 0.0
    for _ in workers:
        out, errs, cpu = queue.get(timeout=seconds + 120)
        latencies += out
        errors += errs
        generator_cpu += cpu
    marker.join(timeout=WARMUP_SECONDS + 5)
    server_after = _cpu_seconds(server_marks)
    database_after = _cpu_seconds(database_marks) if database else {}
    server_cpu = _cpu_used(server_before, server_after)
    database_cpu = _cpu_used(database_before, database_after) if database else None
    sent = max(1, len(latencies))
    steady_sent = max(1, sum(1 for tick, _t in latencies if tick >= WARMUP_SECONDS))
    steady_server = _cpu_used(steady_marks.get("server", server_before), server_after)
    steady_database = _cpu_used(steady_marks.get("database", database_before), database_after) if database else None
    for proc in workers:
        proc.join(timeout=10)

    def p99(values):
        values = sorted(values)
        return 1000 * values[int(0.99 * (len(values) - 1))] if values else float("nan")

    # The first WARMUP_SECONDS are reported on their own: gunicorn's workers answer their
    # first requests while they still load templates, catalogues and the plugins' state,
    # and each learner's first commit starts its attempt there.
    warming = [t for tick, t in latencies if tick < WARMUP_SECONDS]
    first = [t for tick, t in latencies if tick == 0]
    latencies = sorted(t for tick, t in latencies if tick >= WARMUP_SECONDS)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_errors": [str(e) for e in errors[:5]],
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": p99(latencies),
        "max_ms": 1000 * latencies[-1] if latencies else float("nan"),
        "per_second": len(latencies) / (seconds - WARMUP_SECONDS),
        "warming_p99_ms": p99(warming),
        "first_p99_ms": p99(first),
        # CPU per request over the whole run (warm-up included), in ms.
        "generator_cpu_ms": 1000 * generator_cpu / sent,
        "server_cpu_ms": 1000 * server_cpu / sent,
        "database_cpu_ms": 1000 * database_cpu / sent if database_cpu is not None else None,
        # The same after the warm-up, per request sent then.
        "steady_server_cpu_ms": 1000 * steady_server / steady_sent,
        "steady_database_cpu_ms": 1000 * steady_database / steady_sent if steady_database is not None else None,
        "generator_core_share": generator_cpu / seconds,
    }


def run(learners: int, seconds: float, workers: int, database_url: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-scorm-") as folder:
        instance = Path(folder) / "instance"
        if not database_url:
            database_url = f"sqlite:///{folder}/bench.sqlite3"
        tokens, statements = prepare(database_url, instance, learners)
        env = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "LMS_PLUGINS": "scorm_xapi",
            "LMS_INSTANCE_PATH": str(instance),
            "REDIS_URL": None,
        }
        with gunicorn("bench.hello:create_app()", {}, Path(folder) / "hello.log", workers=workers) as base:
            hello = drive(base, "hello", tokens, learners, seconds)
        with gunicorn(
            "lms_core.app:create_app()", env, Path(folder) / "lms.log", workers=workers, probe_path="/login"
        ) as base:
            database = urlsplit(database_url).path.lstrip("/") if database_url.startswith("postgresql") else None
            commits = drive(base, "commit", tokens, learners, seconds, database=database)
        from sqlalchemy import create_engine, text

        from lms_core.config import normalise_database_url

        engine = create_engine(normalise_database_url(database_url))
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT SUM(commits) FROM scorm_xapi_attempts")).scalar()
        engine.dispose()
    return {
        "learners": learners,
        "seconds": seconds,
        "workers": workers,
        "hello": hello,
        "commit": commits,
        "stored_commits": stored,
        "statements_per_commit": statements,
    }


def report(result: dict) -> str:
    hello, commit = result["hello"], result["commit"]
    met = commit["p99_ms"] < GOAL_P99_MS and commit["errors"] == 0
    lines = [
        f"SCORM commits: {result['learners']} learners once a second for {result['seconds']:g} s, "
        f"gunicorn {result['workers']} sync workers",
        f"  hello (baseline): {hello['per_second']:.0f} req/s, p50 {hello['p50_ms']:.1f} ms, p99 {hello['p99_ms']:.1f} ms, errors {hello['errors']}",
        f"  SCORM commit:     {commit['per_second']:.0f} req/s, p50 {commit['p50_ms']:.1f} ms, p99 {commit['p99_ms']:.1f} ms, "
        f"max {commit['max_ms']:.1f} ms, errors {commit['errors']}, stored {result['stored_commits']}",
        f"  (the first {WARMUP_SECONDS} s, while the workers warm up, apart: p99 {commit['warming_p99_ms']:.1f} ms, "
        f"of which each learner's first commit, starting its attempt, {commit['first_p99_ms']:.1f} ms; "
        f"hello {hello['warming_p99_ms']:.1f} ms)",
        f"  SQL statements per commit (in process): first {result['statements_per_commit']['first']}, "
        f"then {result['statements_per_commit']['steady']}",
        f"  CPU per commit (whole run, /proc): server {commit['server_cpu_ms']:.2f} ms"
        + (f", PostgreSQL {commit['database_cpu_ms']:.2f} ms" if commit["database_cpu_ms"] is not None else "")
        + f"; the load generator's own {commit['generator_cpu_ms']:.2f} ms per request "
        f"({100 * commit['generator_core_share']:.0f}% of a core; hello: {hello['generator_cpu_ms']:.2f} ms, "
        f"server {hello['server_cpu_ms']:.2f} ms)",
        f"  CPU per commit after the warm-up (while the server keeps up): server {commit['steady_server_cpu_ms']:.2f} ms"
        + (
            f", PostgreSQL {commit['steady_database_cpu_ms']:.2f} ms"
            if commit["steady_database_cpu_ms"] is not None
            else ""
        ),
        f"  ratio commit p99 / hello p99: {commit['p99_ms'] / hello['p99_ms']:.2f}",
        f"  goal p99 < {GOAL_P99_MS:.0f} ms: {'MET' if met else 'NOT MET'}",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="PostgreSQL (recreated), or '' for SQLite")
    args = parser.parse_args(argv)
    result = run(args.learners, args.seconds, args.workers, args.database_url)
    print(report(result))
    folder = REPOSITORY / "bench" / "results"
    folder.mkdir(exist_ok=True)
    (folder / f"scorm-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    return 0 if result["commit"]["p99_ms"] < GOAL_P99_MS and result["commit"]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
