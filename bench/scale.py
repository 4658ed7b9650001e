"""Does a page's cost grow with the platform? Nine pages served by gunicorn (2 sync
workers, every installed plugin) on the demo data (``lms demo``) and on the large
platform (``lms demo --size large``: 20,000 users, 200 courses, 1,000,000 activity
facts, 200,000 attempts, 500,000 point awards, 5,000 certificates), in the same run.

The goal (issue 8): each page on the large platform within 1.5x of its time on the demo
data, i.e. ``large / demo`` requests per second >= 0.67. The SQL statements of one
request of each page are counted too (an event listener on the engine, in this
process), so an N+1 query shows as a number that grows with the data.

    python -m bench.scale [--requests 1000] [--rounds 2] [--clients 4]
        [--database-url postgresql://postgres@127.0.0.1:5432/lms_bench_scale] [--share 1]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.load import measure
from bench.servers import REPOSITORY, gunicorn

GOAL_RATIO = 1 / 1.5  # large / demo throughput: the large page at most 1.5x slower
SIZES = ("demo", "large")
STUDENT_EMAIL = "student@example.org"
TEACHER_EMAIL = "teacher@example.org"


@dataclass
class Page:
    key: str
    label: str
    who: str  # "student" or "teacher"
    marker: str  # in the body of the right page (not a login form or an error page)


PAGES = [
    Page("course", "course page", "student", 'id="progress"'),
    Page("dashboard", "dashboard", "student", "card"),
    Page("catalogue", "catalogue", "student", "course-card"),
    Page("students", "teacher's students page", "teacher", 'id="students"'),
    Page("queue", "grading queue", "teacher", 'id="queue"'),
    Page("leaderboard", "leaderboard", "student", 'id="leaderboard"'),
    Page("gradebook", "teacher's gradebook (a page)", "teacher", 'id="gradebook"'),
    Page("gradebook_failing", "gradebook: failing", "teacher", 'id="gradebook"'),
    Page("gradebook_missing", "gradebook: work missing", "teacher", 'id="gradebook"'),
]


def build_app(database_url: str, secret_key: str, instance: Path):
    from lms_core.app import create_app
    from lms_core.config import normalise_database_url

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SECRET_KEY": secret_key,
            "LMS_PLUGINS": "all",
            "LMS_PLUGINS_STRICT": True,
            "REDIS_URL": None,
        },
        instance_path=str(instance),
    )


def large_volumes(share: float):
    """The large platform, or a share of it (``--share 0.02``: a quick check that the
    script works, not a measurement); the big course keeps its 100 items."""
    import dataclasses

    from lms_core.demo_large import LARGE

    if share >= 1:
        return LARGE
    scaled = {
        f.name: max(1, int(getattr(LARGE, f.name) * share))
        for f in dataclasses.fields(LARGE)
        if isinstance(getattr(LARGE, f.name), int) and f.name not in ("big_course_items", "lessons_per_course")
    }
    scaled["courses_per_learner"] = min(LARGE.courses_per_learner, scaled["courses"])
    return dataclasses.replace(LARGE, **scaled)


def prepare_database(size: str, database_url: str, secret_key: str, instance: Path, share: float = 1.0) -> dict:
    """Migrate, load the data, then what the measured people need: the student enrolled
    in the Python course with one lesson done (points on the leaderboard), and on the
    demo data an assignment with the student's hand-in (the large data has its own)."""
    from lms_core import migrate
    from lms_core.demo import load_demo
    from lms_core.demo_large import BIG_COURSE_SLUG, load_large_demo
    from lms_core.extensions import db
    from lms_core.models import Course, User, UserSession, utcnow
    from lms_core.services import enrolment, progress

    app = build_app(database_url, secret_key, instance)
    logging.getLogger().setLevel(logging.WARNING)
    started = time.perf_counter()
    with app.app_context():
        migrate.upgrade()
        if size == "large":
            load_large_demo(large_volumes(share))
        else:
            load_demo()
        loaded = time.perf_counter() - started
        student = db.session.execute(db.select(User).where(User.email == STUDENT_EMAIL)).scalar_one()
        teacher = db.session.execute(db.select(User).where(User.email == TEACHER_EMAIL)).scalar_one()
        python = db.session.execute(db.select(Course).where(Course.slug == "python-basics")).scalar_one()
        enrolment.enroll(student, python)
        progress.complete_lesson(student, python.lessons[0])
        plugins = app.extensions["lms_plugins"]
        taught = python
        queue_id = None
        if size == "large":
            taught = db.session.execute(db.select(Course).where(Course.slug == BIG_COURSE_SLUG)).scalar_one()
        if plugins.is_enabled("assignments"):
            from lms_assignments import authoring, submissions
            from lms_assignments.models import Assignment

            if size == "large":
                queue_id = db.session.execute(
                    db.select(Assignment.id).where(Assignment.course_id == taught.id).order_by(Assignment.id).limit(1)
                ).scalar_one()
            else:
                assignment = authoring.create_assignment(
                    teacher,
                    python,
                    {
                        "title": "Your first program",
                        "due_at": (utcnow() + timedelta(days=7)).isoformat(),
                        "max_points": "10",
                        "grading_mode": "points",
                    },
                )
                submissions.save(student, assignment, text="print('hello')", submit=True)
                queue_id = assignment.id
        paths = {
            "course": "/courses/python-basics",
            "dashboard": "/dashboard",
            "catalogue": "/",
            "students": f"/teach/courses/{taught.id}/students",
            "queue": f"/assignments/{queue_id}/queue" if queue_id else None,
            "leaderboard": "/gamification/leaderboard" if plugins.is_enabled("gamification") else None,
            "gradebook": f"/teach/courses/{taught.id}/gradebook",
            # the filters read the learners' summaries, filled by the first request here
            "gradebook_failing": f"/teach/courses/{taught.id}/gradebook?show=failing",
            "gradebook_missing": f"/teach/courses/{taught.id}/gradebook?show=missing",
        }
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = {}
        for who, user in (("student", student), ("teacher", teacher)):
            record, key = UserSession.open(user, "127.0.0.1", "bench")  # a server-side session
            db.session.add(record)
            db.session.commit()
            cookies[who] = f"{app.config['SESSION_COOKIE_NAME']}=" + serializer.dumps({"sid": key, "_permanent": True})
        taught_id = taught.id
        counts = count_statements(app, paths, cookies)
        gradebook = gradebook_shape(db.session.get(Course, taught_id))  # in the session again
        installed = {name: info.version for name, info in plugins.installed.items() if info.module is not None}
        db.session.remove()
        db.engine.dispose()
    return {
        "paths": paths,
        "cookies": cookies,
        "statements": counts,
        "plugins": installed,
        "load_seconds": loaded,
        "gradebook": gradebook,
    }


def gradebook_shape(course) -> dict:
    """How big the measured gradebook is: its learners and graded items (every plugin's)."""
    from lms_core.services import gradebook as books

    book = books.build(course, [], 0)
    return {"learners": books.count_learners(course), "items": len(book.columns)}


def count_statements(app, paths: dict, cookies: dict) -> dict:
    """Statements of one request of each page (after a first one that fills caches)."""
    from lms_core.extensions import db
    from lms_core.testing import count_sql

    counts = {}
    clients = {}
    for who, cookie in cookies.items():
        name, value = cookie.split("=", 1)
        clients[who] = app.test_client()
        clients[who].set_cookie(name, value)
    for page in PAGES:
        path = paths[page.key]
        if path is None:
            continue
        clients[page.who].get(path)
        db.session.remove()  # a fresh session, as each request has in production
        with count_sql(db.engine) as sql:
            response = clients[page.who].get(path)
        if response.status_code != 200 or page.marker not in response.get_data(as_text=True):
            raise RuntimeError(f"{path} is not the {page.label} ({response.status_code})")
        counts[page.key] = sql.count
    return counts


def check_page(base_url: str, path: str, cookie: str, page: Page) -> None:
    request = urllib.request.Request(base_url + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read().decode()
        if response.status != 200 or response.url != base_url + path or page.marker not in body:
            raise RuntimeError(f"{base_url + path} is not the {page.label}")


def database_urls(base: str | None, work: Path) -> dict[str, str]:
    if not base:
        return {size: f"sqlite:///{work / f'{size}.sqlite3'}" for size in SIZES}
    from bench.leaderboard import recreate_postgres_database

    urls = {size: f"{base}_{size}" for size in SIZES}
    for url in urls.values():
        recreate_postgres_database(url)
    return urls


def run(requests: int, rounds: int, clients: int, warmup: int, database_url: str | None, share: float = 1.0) -> dict:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        work = Path(folder)
        secret_key = secrets.token_hex(16)
        urls = database_urls(database_url, work)
        prepared = {}
        for size in SIZES:
            prepared[size] = prepare_database(size, urls[size], secret_key, work / f"instance-{size}", share)
            print(
                f"  {size} data ready in {prepared[size]['load_seconds']:.0f}s; SQL statements per page: "
                f"{prepared[size]['statements']}; gradebook: {prepared[size]['gradebook']['learners']} learners x "
                f"{prepared[size]['gradebook']['items']} items",
                flush=True,
            )
        rates: dict[str, dict[str, list[float]]] = {size: {} for size in SIZES}
        with ExitStack() as servers:
            bases = {}
            for size in SIZES:
                env = {
                    "DATABASE_URL": urls[size],
                    "SECRET_KEY": secret_key,
                    "LMS_PLUGINS_STRICT": "1",
                    "REDIS_URL": None,
                    "LMS_INSTANCE_PATH": str(work / f"instance-{size}"),
                }
                bases[size] = servers.enter_context(
                    gunicorn("lms_core.app:create_app({'LMS_PLUGINS': 'all'})", env, work / f"{size}.log")
                )
            targets = [(page, size) for page in PAGES for size in SIZES if prepared[size]["paths"][page.key]]
            for page, size in targets:
                check_page(bases[size], prepared[size]["paths"][page.key], prepared[size]["cookies"][page.who], page)
            for round_number in range(rounds):
                shift = round_number % len(targets)
                for page, size in targets[shift:] + targets[:shift]:
                    url = bases[size] + prepared[size]["paths"][page.key]
                    headers = {"Cookie": prepared[size]["cookies"][page.who]}
                    measure(url, warmup, clients, headers)
                    result = measure(url, requests, clients, headers)
                    if result.failures:
                        raise RuntimeError(f"{page.label} ({size}): {result.failures} failed {result.statuses}")
                    rates[size].setdefault(page.key, []).append(result.per_second)
                    print(
                        f"  round {round_number + 1}: {page.label} ({size}) {result.per_second:.0f} req/s", flush=True
                    )
    medians = {size: {key: statistics.median(v) for key, v in rates[size].items()} for size in SIZES}
    return {
        "benchmark": "scale",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
            "load": os.getloadavg()[0],
        },
        "server": "gunicorn, 2 sync workers, every installed plugin",
        "database": next(iter(urls.values())).split(":", 1)[0],
        "load": {"requests": requests, "rounds": rounds, "clients": clients, "warmup": warmup},
        "large_share": share,
        "plugins": prepared["demo"]["plugins"],
        "load_seconds": {size: prepared[size]["load_seconds"] for size in SIZES},
        "statements": {size: prepared[size]["statements"] for size in SIZES},
        "gradebook": {size: prepared[size]["gradebook"] for size in SIZES},
        "rates": rates,
        "median": medians,
        "ratios": {key: medians["large"][key] / medians["demo"][key] for key in medians["large"]},
    }


def report(result: dict) -> str:
    load = result["load"]
    lines = [
        f"scale: {result['server']}, {result['database']}, {result['machine']['cpus']} CPUs "
        f"(load average {result['machine']['load']:.1f}); {load['requests']} requests from {load['clients']} "
        f"client processes, {load['rounds']} rounds (median)",
        f"data loaded in: demo {result['load_seconds']['demo']:.0f}s, large {result['load_seconds']['large']:.0f}s",
        "gradebook measured: "
        + ", ".join(
            f"{size} {shape['learners']:,} learners x {shape['items']} items"
            for size, shape in result.get("gradebook", {}).items()
        ),
        "",
        f"  {'page':<26} {'demo req/s':>10} {'large req/s':>11} {'large/demo':>10} {'SQL demo':>9} {'SQL large':>9}",
    ]
    for page in PAGES:
        if page.key not in result["ratios"]:
            lines.append(f"  {page.label:<26} (its plugin is not installed)")
            continue
        ratio = result["ratios"][page.key]
        lines.append(
            f"  {page.label:<26} {result['median']['demo'][page.key]:10.0f} "
            f"{result['median']['large'][page.key]:11.0f} {ratio:10.3f} "
            f"{result['statements']['demo'][page.key]:9d} {result['statements']['large'][page.key]:9d}"
            f"   {'MET' if ratio >= GOAL_RATIO else 'NOT MET'}"
        )
    worst = min(result["ratios"].values())
    lines += [
        "",
        f"goal: every page on the large platform within 1.5x of the demo data (ratio >= {GOAL_RATIO:.2f}): "
        f"{'MET' if worst >= GOAL_RATIO else 'NOT MET'} (worst {worst:.3f})",
    ]
    return "\n".join(lines)


def save(result: dict) -> Path:
    folder = REPOSITORY / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"scale-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="measurements per page and size (median reported)")
    parser.add_argument("--clients", type=int, default=4, help="client processes sending requests")
    parser.add_argument("--warmup", type=int, default=100, help="requests before each measurement, not counted")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL base URL: <url>_demo and <url>_large are recreated (default: SQLite in a temporary folder)",
    )
    parser.add_argument(
        "--share",
        type=float,
        default=1.0,
        help="load this share of the large platform (e.g. 0.02 to check the script quickly; 1 to measure)",
    )
    args = parser.parse_args(argv)
    result = run(args.requests, args.rounds, args.clients, args.warmup, args.database_url, args.share)
    print(report(result))
    print(f"\nsaved: {save(result).relative_to(REPOSITORY)}")
    return 0 if min(result["ratios"].values()) >= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
