"""How much do plugins cost? The course page of an enrolled student, served by gunicorn
(2 sync workers) with every installed plugin enabled and with none, next to a Flask
hello-world JSON app, all measured in the same run with the same load.

The goal (issue 2): all plugins together cost at most 15% of course-page throughput,
i.e. ``all plugins / no plugins >= 0.85``.

    python -m bench.course_page [--requests 4000] [--rounds 3] [--clients 4]
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
from pathlib import Path

from bench.load import measure
from bench.servers import REPOSITORY, gunicorn

GOAL_RATIO = 0.85  # plugins may cost at most 15% of the course page's throughput
COURSE_SLUG = "python-basics"
STUDENT_EMAIL = "student@example.org"


@dataclass
class Target:
    key: str
    label: str
    app_spec: str
    path: str
    logged_in: bool


TARGETS = [
    Target("hello", "Flask hello-world (JSON)", "bench.hello:create_app()", "/", False),
    Target(
        "none",
        "course page, no plugins",
        "lms_core.app:create_app({'LMS_PLUGINS': ''})",
        f"/courses/{COURSE_SLUG}",
        True,
    ),
    Target(
        "all",
        "course page, all plugins",
        "lms_core.app:create_app({'LMS_PLUGINS': 'all'})",
        f"/courses/{COURSE_SLUG}",
        True,
    ),
]


def prepare_database(database_url: str, secret_key: str, instance: Path) -> dict:
    """Migrate (core and every plugin), load the demo data and enrol the demo student in
    the Python course with one lesson done; returns the student's session cookie and
    the plugins that "all" means on this install."""
    from lms_core import migrate
    from lms_core.app import create_app
    from lms_core.config import normalise_database_url
    from lms_core.demo import load_demo
    from lms_core.extensions import db
    from lms_core.models import Course, User, UserSession
    from lms_core.services import enrolment, progress

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SECRET_KEY": secret_key,
            "LMS_PLUGINS": "all",
            "LMS_PLUGINS_STRICT": True,
            "REDIS_URL": None,
        },
        instance_path=str(instance),
    )
    logging.getLogger().setLevel(logging.WARNING)  # keep the report readable (no migration chatter)
    with app.app_context():
        migrate.upgrade()
        load_demo()
        student = db.session.execute(db.select(User).where(User.email == STUDENT_EMAIL)).scalar_one()
        course = db.session.execute(db.select(Course).where(Course.slug == COURSE_SLUG)).scalar_one()
        enrolment.enroll(student, course)
        progress.complete_lesson(student, course.lessons[0])
        record, key = UserSession.open(student, "127.0.0.1", "bench")  # a server-side session
        db.session.add(record)
        db.session.commit()
        session = {"sid": key, "_permanent": True}
        cookie = app.session_interface.get_signing_serializer(app).dumps(session)
        plugins = {
            name: info.version
            for name, info in app.extensions["lms_plugins"].installed.items()
            if info.module is not None
        }
        db.session.remove()
        db.engine.dispose()
    return {"cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}", "plugins": plugins}


def check_course_page(base_url: str, path: str, cookie: str) -> None:
    """The load must hit the real page of an enrolled student, not a login redirect."""
    request = urllib.request.Request(base_url + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode()
        if response.status != 200 or response.url != base_url + path or 'id="progress"' not in body:
            raise RuntimeError(f"{base_url + path} is not the enrolled student's course page")


def per_plugin(database_url: str, secret_key: str, instance: Path, cookie: str, plugins, requests: int) -> dict:
    """Each plugin's share of the page, in this process (no HTTP, no other plugin): the
    page with each plugin alone against the page with no plugin timed just before it,
    ``requests`` times each, five rounds, the collector off while timing. Returns
    {name: (median ms over no plugin, statements over no plugin, lowest and highest ms
    over no plugin)}; for ``""`` (no plugin) its own median ms and statements."""
    import gc

    from sqlalchemy import event

    from lms_core.app import create_app
    from lms_core.config import normalise_database_url
    from lms_core.extensions import db

    name, value = cookie.split("=", 1)
    clients, engines = {}, {}
    for plugin in ["", *sorted(plugins)]:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
                "SECRET_KEY": secret_key,
                "LMS_PLUGINS": plugin,
                "LMS_PLUGINS_STRICT": True,
                "REDIS_URL": None,
            },
            instance_path=str(instance),
        )
        clients[plugin] = app.test_client()
        clients[plugin].set_cookie(name, value)
        with app.app_context():
            engines[plugin] = db.engine
        for _ in range(100):  # warm: statements compiled, templates loaded
            assert clients[plugin].get(f"/courses/{COURSE_SLUG}").status_code == 200

    def timed(plugin: str) -> tuple[float, float]:
        statements = []

        def seen(*_args):
            statements.append(1)

        event.listen(engines[plugin], "before_cursor_execute", seen)
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            for _ in range(requests):
                clients[plugin].get(f"/courses/{COURSE_SLUG}")
            elapsed = time.perf_counter() - started
        finally:
            gc.enable()
            event.remove(engines[plugin], "before_cursor_execute", seen)
        return elapsed / requests * 1000, len(statements) / requests

    # Each plugin next to a page without plugins timed just before it, in five rounds: the
    # machine's drift (another process, the CPU's clock) falls on both sides of a delta.
    deltas: dict[str, list[tuple[float, float]]] = {plugin: [] for plugin in clients if plugin}
    alone = []
    for _round in range(5):
        for plugin in deltas:
            (base_ms, base_n), (ms, n) = timed(""), timed(plugin)
            alone.append((base_ms, base_n))
            deltas[plugin].append((ms - base_ms, n - base_n))
    for engine in engines.values():
        engine.dispose()
    found = {"": (statistics.median(ms for ms, _n in alone), alone[0][1], 0.0, 0.0)}
    for plugin, pairs in deltas.items():
        ms = sorted(d for d, _n in pairs)
        found[plugin] = (statistics.median(ms), pairs[0][1], ms[0], ms[-1])
    return found


def run(
    requests: int, rounds: int, clients: int, warmup: int, database_url: str | None, plugin_requests: int = 0
) -> dict:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        work = Path(folder)
        secret_key = secrets.token_hex(16)
        database_url = database_url or f"sqlite:///{work / 'bench.sqlite3'}"
        prepared = prepare_database(database_url, secret_key, work / "instance")
        shares = (
            per_plugin(
                database_url, secret_key, work / "instance", prepared["cookie"], prepared["plugins"], plugin_requests
            )
            if plugin_requests
            else {}
        )
        # The measured install: one machine, no Redis.
        env = {"DATABASE_URL": database_url, "SECRET_KEY": secret_key, "LMS_PLUGINS_STRICT": "1", "REDIS_URL": None}
        rates: dict[str, list[float]] = {t.key: [] for t in TARGETS}
        with ExitStack() as servers:
            urls = {t.key: servers.enter_context(gunicorn(t.app_spec, env, work / f"{t.key}.log")) for t in TARGETS}
            for target in TARGETS:
                if target.logged_in:
                    check_course_page(urls[target.key], target.path, prepared["cookie"])
            for round_number in range(rounds):
                # Rotate the order so no target always runs first (cold) or last.
                order = TARGETS[round_number % len(TARGETS) :] + TARGETS[: round_number % len(TARGETS)]
                for target in order:
                    url = urls[target.key] + target.path
                    headers = {"Cookie": prepared["cookie"]} if target.logged_in else {}
                    measure(url, warmup, clients, headers)
                    result = measure(url, requests, clients, headers)
                    if result.failures:
                        raise RuntimeError(f"{target.label}: {result.failures} failed requests {result.statuses}")
                    rates[target.key].append(result.per_second)
    medians = {key: statistics.median(values) for key, values in rates.items()}
    return {
        "benchmark": "course_page",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "server": "gunicorn, 2 sync workers",
        "database": database_url.split(":", 1)[0],
        "load": {"requests": requests, "rounds": rounds, "clients": clients, "warmup": warmup},
        "plugins": prepared["plugins"],
        "rates": rates,
        "median": medians,
        "ratios": {"plugins/none": medians["all"] / medians["none"], "none/hello": medians["none"] / medians["hello"]},
        "per_plugin": {
            name or "(none)": {"ms": ms, "statements": n, "low": low, "high": high}
            for name, (ms, n, low, high) in shares.items()
        },
    }


def report(result: dict) -> str:
    load = result["load"]
    plugins = ", ".join(f"{n} {v or ''}".strip() for n, v in sorted(result["plugins"].items())) or "none installed"
    lines = [
        f"course page: {result['server']}, {result['database']}, {result['machine']['cpus']} CPUs; "
        f"{load['requests']} requests from {load['clients']} client processes, {load['rounds']} rounds (median)",
        f"plugins in the 'all' run: {plugins}",
        "",
    ]
    for target in TARGETS:
        rounds = " ".join(f"{r:7.0f}" for r in result["rates"][target.key])
        lines.append(f"  {target.label:<28} {result['median'][target.key]:8.0f} req/s   rounds: {rounds}")
    plugins_ratio = result["ratios"]["plugins/none"]
    cost = (1 - plugins_ratio) * 100
    verdict = "MET" if plugins_ratio >= GOAL_RATIO else "NOT MET"
    lines += [
        "",
        f"  all plugins / no plugins   {plugins_ratio:6.3f}   plugins cost {cost:+.1f}% "
        f"(goal: at most {round((1 - GOAL_RATIO) * 100)}%): {verdict}",
        f"  no plugins / hello-world   {result['ratios']['none/hello']:6.3f}",
    ]
    if not result["plugins"]:
        lines.append("  note: no plugin is installed, so both course-page runs serve the same code")
    shares = result.get("per_plugin") or {}
    if shares:
        base = shares["(none)"]
        lines += [
            "",
            "  in process, each plugin alone over no plugin timed just before it (median of five rounds,",
            "  lowest..highest; a delta inside its spread is noise):",
            f"    {'(none)':<16} {base['ms']:6.2f} ms  {base['statements']:4.1f} statements",
        ]
        for name, share in sorted(shares.items(), key=lambda item: -item[1]["ms"]):
            if name != "(none)":
                lines.append(
                    f"    {name:<16} {share['ms']:+6.2f} ms  {share['statements']:+4.1f}   "
                    f"({share['ms'] / base['ms'] * 100:+.0f}%; {share['low']:+.2f}..{share['high']:+.2f})"
                )
    return "\n".join(lines)


def save(result: dict) -> Path:
    folder = REPOSITORY / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"course_page-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per target (median reported)")
    parser.add_argument("--clients", type=int, default=4, help="client processes sending requests")
    parser.add_argument("--warmup", type=int, default=200, help="requests before each measurement, not counted")
    parser.add_argument("--database-url", help="an EMPTY database to fill (default: SQLite in a temporary folder)")
    parser.add_argument(
        "--per-plugin",
        type=int,
        default=0,
        metavar="N",
        help="also time the page in process N times with each plugin alone (its share)",
    )
    args = parser.parse_args(argv)
    result = run(args.requests, args.rounds, args.clients, args.warmup, args.database_url, args.per_plugin)
    print(report(result))
    print(f"\nsaved: {save(result).relative_to(REPOSITORY)}")
    return 0 if result["ratios"]["plugins/none"] >= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
