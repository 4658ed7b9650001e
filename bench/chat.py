"""Live chat under load: 200 clients in one course room across two web processes, a
sender posting 50 messages per second for 30 s; the latency from sending a message to
its receipt by the last of the 200 clients, next to a bare python-socketio server
broadcasting the same load the same way, in the same run.

* LMS: two ``lms run`` processes (Flask-SocketIO, threading, WebSockets) on one SQLite
  database and Redis (the message queue), the chat plugin enabled. Each message is
  authorised, stored (numbered under the room's lock), rendered from Markdown and
  broadcast to the room ``chat:<id>`` of the ``/chat`` namespace.
* bare: two processes of a bare ``socketio.Server`` (threading, ``RedisManager`` on the
  same Redis, its own channel) under the same Werkzeug server; its ``send`` handler
  broadcasts the message to the room, nothing else.
* clients: python-socketio clients over WebSocket, half on each process, spread over
  ``--client-processes`` processes (one process's GIL would measure the clients); the
  sender is one more client on the first process. Receipt times are wall-clock
  (``time.time()``, one machine), so processes compare.

Goal: p99 < 150 ms for the LMS. Printed: p50/p99 of both, and LMS/bare ratios.

    python -m bench.chat [--clients 200] [--rate 50] [--seconds 30] [--redis-url redis://127.0.0.1:6383/5]

The Redis database given is flushed (use one of your own).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

GOAL_P99_MS = 150.0
NAMESPACE = "/chat"
BODY = "Does anyone have the **slides** of lesson 3? I missed the start of the lecture."


# ---------------------------------------------------------------- the bare baseline server


def serve_bare(port: int, redis_url: str) -> None:
    """A bare python-socketio server: join a room, broadcast what is sent to it."""
    import socketio
    from werkzeug.serving import run_simple

    manager = socketio.RedisManager(redis_url, channel="bench-chat-bare")
    server = socketio.Server(async_mode="threading", client_manager=manager)

    @server.on("join", namespace=NAMESPACE)
    def join(sid, data):
        server.enter_room(sid, "room", namespace=NAMESPACE)
        return {"ok": True}

    @server.on("send", namespace=NAMESPACE)
    def send(sid, data):
        message = {"client_id": data["client_id"], "body": data["body"]}
        server.emit("chat:message", message, to="room", namespace=NAMESPACE)
        return {"ok": True, "message": message}

    @server.on("connect", namespace=NAMESPACE)
    def connect(sid, environ, auth=None):
        return True

    run_simple("127.0.0.1", port, socketio.WSGIApp(server), threaded=True, use_reloader=False)


# ---------------------------------------------------------------- clients (in their own processes)


def _open(url: str, cookie: str | None, room_id: int, received: dict, lock: threading.Lock):
    import socketio

    client = socketio.Client(reconnection=False)

    def heard(data):
        now = time.time()
        with lock:
            first, last, count = received.get(data["client_id"], (now, now, 0))
            received[data["client_id"]] = (min(first, now), max(last, now), count + 1)

    client.on("chat:message", heard, namespace=NAMESPACE)
    headers = {"Cookie": cookie} if cookie else {}
    client.connect(url, headers=headers, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=30)
    answer = client.call("join", {"room": room_id}, namespace=NAMESPACE, timeout=30)
    assert answer and answer.get("ok"), answer
    return client


def _close(client) -> None:
    closer = threading.Thread(target=lambda: client.eio.disconnect(abort=True), daemon=True)
    closer.start()
    closer.join(timeout=5)


def client_process(jobs, room_id: int, ready, go_home, results) -> None:
    """Opens one client per (url, cookie) of ``jobs``; reports, per message, the last
    receipt time and how many of its clients received it."""
    received: dict = {}
    lock = threading.Lock()
    clients = []
    try:
        for url, cookie in jobs:
            clients.append(_open(url, cookie, room_id, received, lock))
        ready.put(len(clients))
        go_home.wait()
        with lock:
            results.put(dict(received))
    except Exception as error:  # reported to the parent, which stops
        ready.put(f"error: {error!r}")
    finally:
        for client in clients:
            _close(client)


def run_load(label, receivers, sender, room_id, rate, seconds, client_processes) -> dict:
    """``receivers``: (url, cookie) per client; ``sender``: (url, cookie)."""
    context = multiprocessing.get_context("spawn")
    ready, results, go_home = context.Queue(), context.Queue(), context.Event()
    chunks = [receivers[i::client_processes] for i in range(client_processes)]
    processes = [context.Process(target=client_process, args=(c, room_id, ready, go_home, results)) for c in chunks]
    for process in processes:
        process.start()
    try:
        opened = 0
        for _process in processes:
            answer = ready.get(timeout=300)
            if isinstance(answer, str):
                raise RuntimeError(f"{label}: a client process failed: {answer}")
            opened += answer
        print(f"{label}: {opened} clients connected and joined")  # noqa: T201
        sent_at: dict[str, float] = {}
        acked: list[float] = []
        failed: list = []
        own: dict = {}
        lock = threading.Lock()
        client = _open(sender[0], sender[1], room_id, own, lock)
        try:
            interval, total = 1.0 / rate, int(rate * seconds)
            start = time.perf_counter()
            for n in range(total):
                due = start + n * interval
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                client_id = uuid.uuid4().hex
                sent_at[client_id] = time.time()

                def answered(answer, client_id=client_id):
                    if answer and answer.get("ok"):
                        acked.append(time.time() - sent_at[client_id])
                    else:
                        failed.append(answer)

                client.emit(
                    "send",
                    {"room": room_id, "body": BODY, "client_id": client_id},
                    namespace=NAMESPACE,
                    callback=answered,
                )
            time.sleep(3)  # the last messages arrive
        finally:
            _close(client)
        go_home.set()
        received: dict = {}
        for _process in processes:
            for client_id, (first, last, count) in results.get(timeout=120).items():
                _f, old_last, old_count = received.get(client_id, (first, last, 0))
                received[client_id] = (first, max(last, old_last), count + old_count)
    finally:
        go_home.set()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    latencies, incomplete = [], 0
    for client_id, sent in sent_at.items():
        first, last, count = received.get(client_id, (0, 0, 0))
        if count < len(receivers):
            incomplete += 1
            continue
        latencies.append((last - sent) * 1000)
    latencies.sort()
    return {
        "sent": len(sent_at),
        "refused": len(failed),
        "incomplete": incomplete,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan"),
        "max_ms": latencies[-1] if latencies else float("nan"),
        "ack_p50_ms": statistics.median(acked) * 1000 if acked else float("nan"),
    }


# ---------------------------------------------------------------- the LMS side


def prepare_lms(folder: Path, redis_url: str, learners: int):
    from lms_core import migrate
    from lms_core.app import create_app

    database = f"sqlite:///{folder / 'chat.db'}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": database,
        "REDIS_URL": redis_url,
        "LMS_PLUGINS": "chat",
        "SECRET_KEY": "bench-chat",
        "LMS_BASE_URL": "http://127.0.0.1",
        "TESTING": True,
    }
    app = create_app(settings, instance_path=str(folder / "instance"))
    with app.app_context():
        from lms_core import db, jobs
        from lms_core.auth import SESSION_KEY
        from lms_core.models import Enrollment, User, UserSession
        from lms_core.services import accounts, courses

        jobs.redis_connection(app).flushdb()
        migrate.upgrade()
        teacher = accounts.register("teacher@example.org", "Tess Teacher", "correct horse battery", role="teacher")
        course = courses.create_course(teacher, "Python basics", "A course.", "en")
        course.published = True
        db.session.commit()
        # Learners in bulk (one password hash for all: hashing is not what is measured).
        db.session.execute(
            db.insert(User),
            [
                {
                    "email": f"learner{n}@example.org",
                    "name": f"Learner {n}",
                    "password_hash": teacher.password_hash,
                    "role": "student",
                    "active": True,
                }
                for n in range(learners)
            ],
        )
        ids = db.session.execute(db.select(User.id).where(User.role == "student").order_by(User.id)).scalars().all()
        db.session.execute(
            db.insert(Enrollment), [{"user_id": i, "course_id": course.id, "status": "active"} for i in ids]
        )
        db.session.commit()
        from lms_chat import rooms

        room = rooms.course_room(course)
        cookies = []
        client = app.test_client()
        for user_id in [teacher.id, *ids]:
            record, key = UserSession.open(db.session.get(User, user_id), "127.0.0.1", "bench")
            db.session.add(record)
            db.session.commit()
            with client.session_transaction() as session:
                session[SESSION_KEY] = key
            cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
            cookies.append(f"{cookie.key}={cookie.value}")
        return app, room.id, cookies[0], cookies[1:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6383/5"))
    args = parser.parse_args(argv)

    import subprocess

    from bench.servers import free_port
    from lms_core.testing import running_server

    folder = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    os.environ["CHAT_RATE_LIMIT"] = "1000000"  # one sender at 50/s: the limit is not what is measured
    app, room_id, sender_cookie, cookies = prepare_lms(folder, args.redis_url, args.clients)
    results = {}
    with running_server(app, folder / "one") as one, running_server(app, folder / "two") as two:
        receivers = [((one, two)[n % 2], cookie) for n, cookie in enumerate(cookies)]
        results["lms"] = run_load(
            "lms", receivers, (one, sender_cookie), room_id, args.rate, args.seconds, args.client_processes
        )

    bare = []
    try:
        urls = []
        for _n in range(2):
            port = free_port()
            bare.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        f"from bench.chat import serve_bare; serve_bare({port}, {args.redis_url!r})",
                    ],
                    cwd=Path(__file__).resolve().parent.parent,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        _wait_for(urls)
        receivers = [(urls[n % 2], None) for n in range(args.clients)]
        results["bare"] = run_load(
            "bare", receivers, (urls[0], None), 0, args.rate, args.seconds, args.client_processes
        )
    finally:
        for process in bare:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    lms, base = results["lms"], results["bare"]
    print(f"\n{args.clients} clients on 2 processes, {args.rate:g} msg/s for {args.seconds:g} s")  # noqa: T201
    for name, r in results.items():
        print(  # noqa: T201
            f"{name:5} sent {r['sent']}, refused {r['refused']}, not received by everyone {r['incomplete']}; "
            f"send→last receipt p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms; "
            f"ack p50 {r['ack_p50_ms']:.1f} ms"
        )
    print(f"ratio lms/bare: p50 {lms['p50_ms'] / base['p50_ms']:.2f}, p99 {lms['p99_ms'] / base['p99_ms']:.2f}")  # noqa: T201
    met = lms["p99_ms"] < GOAL_P99_MS and lms["incomplete"] == 0 and lms["refused"] == 0
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms, every message received by every client: {'MET' if met else 'NOT MET'}")  # noqa: T201
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"chat-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps({"args": vars(args), **results}, indent=2)
    )
    return 0 if met else 1


def _wait_for(urls) -> None:
    import urllib.error
    import urllib.request

    for url in urls:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/socket.io/?EIO=4&transport=polling", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the bare server at {url} did not start") from None
                time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
