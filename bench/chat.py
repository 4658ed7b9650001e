"""Live chat under load: 200 clients in one course room across two web processes, a
sender posting 50 messages per second for 30 s; the latency from sending a message to
its receipt by the last of the 200 clients, next to a bare python-socketio server
broadcasting the same load the same way, in the same run.

* LMS: two ``lms run`` processes (Flask-SocketIO, ``async_mode="threading"`` under
  Werkzeug, simple-websocket) on one SQLite database and Redis (the message queue), the
  chat plugin enabled. Each message is authorised, stored (numbered under the room's
  lock), rendered from Markdown and emitted once to the room ``chat:<id>`` of the
  ``/chat`` namespace; every process encodes it once and writes it to its members.
* bare: two processes of a bare ``socketio.Server`` (threading, ``RedisManager`` on the
  same Redis, its own channel) under the same Werkzeug server; its ``send`` handler
  emits the message to the room, nothing else.
* clients, the same for both: WebSocket only (no long-polling), Engine.IO 4 / Socket.IO
  5 spoken over aiohttp on one asyncio loop per client process (``--client-processes``,
  half the connections of each on each web process), each receipt reduced to finding
  the message's ``client_id`` in the frame. The sender is one more connection, in this
  process, posting on schedule without waiting for answers; it does not join the room.
  Times are ``time.monotonic()`` (CLOCK_MONOTONIC, one clock for every process of the
  machine).

Printed: p50/p99/max of send → last receipt for both, the LMS/bare ratios, and the CPU
time the web processes and the client processes used over the load (per message and per
receipt): when the clients' share is large or the machine has no core left, the latency
measures the machine, not the server.

Goal: p99 < 150 ms for the LMS.

    python -m bench.chat [--clients 200] [--rate 50] [--seconds 30] [--client-processes 2] [--redis-url redis://127.0.0.1:6383/5]

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
import time
import uuid
from pathlib import Path

GOAL_P99_MS = 150.0
IDLE_SECONDS = 3.0
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
#
# The receivers speak Engine.IO 4 / Socket.IO 5 over aiohttp's WebSocket client (its frame
# reader is compiled) on one asyncio loop per process, many connections each, and keep
# per message only the moment of the last receipt and a count: finding the message's
# ``client_id`` in the text frame is all they do with it. A python-socketio ``Client``
# costs a thread or three, websocket-client's pure-Python frames and a JSON decode per
# connection and message: with 200 of them on two cores the clients, not the servers,
# were what the bench measured.

MESSAGE_PREFIX = f'42{NAMESPACE},["chat:message",'
EVENT_PREFIX = f"42{NAMESPACE},"
ACK_PREFIX = f"43{NAMESPACE},"


def _ws_url(url: str) -> str:
    return url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"


def client_id_of(frame: str) -> str | None:
    """The ``client_id`` of a ``chat:message`` text frame, or ``None`` for any other frame."""
    if not frame.startswith(MESSAGE_PREFIX):
        return None
    at = frame.find('"client_id"', len(MESSAGE_PREFIX))
    if at < 0:
        return None
    opening = frame.index('"', at + 11)  # past the key and its colon
    return frame[opening + 1 : frame.index('"', opening + 1)]


class Connection:
    """One Socket.IO connection to ``/chat`` over a WebSocket (no long-polling)."""

    def __init__(self, session, url: str, cookie: str | None):
        self.session, self.url, self.cookie = session, url, cookie
        self.ws = None
        self.acks: dict = {}
        self.next_ack = 0

    async def open(self, on_frame) -> None:
        import asyncio

        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.ws = await self.session.ws_connect(_ws_url(self.url), headers=headers, autoping=False, max_msg_size=0)
        opened = await self.ws.receive_str(timeout=30)
        assert opened.startswith("0{"), opened
        await self.ws.send_str(f"40{NAMESPACE},")
        self.on_frame = on_frame
        self.connected = asyncio.get_running_loop().create_future()
        self.reader = asyncio.ensure_future(self._read())
        await asyncio.wait_for(self.connected, 30)

    async def _read(self) -> None:
        import json

        import aiohttp

        on_frame, ws = self.on_frame, self.ws
        while True:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = message.data
            if frame.startswith(EVENT_PREFIX):
                on_frame(frame)
            elif frame == "2":  # Engine.IO ping
                await ws.send_str("3")
            elif frame.startswith(ACK_PREFIX):
                body = frame[len(ACK_PREFIX) :]
                number_end = body.index("[")
                future = self.acks.pop(int(body[:number_end]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(body[number_end:])[0])
            elif frame.startswith(f"40{NAMESPACE},"):
                self.connected.set_result(True)
            elif frame.startswith(f"44{NAMESPACE},"):
                self.connected.set_exception(RuntimeError(f"connection refused: {frame}"))
        for future in self.acks.values():
            if not future.done():
                future.set_exception(ConnectionError("the connection closed"))

    def send_event(self, event: str, data: dict):
        """Send ``event``; returns (the future of its acknowledgement, the send coroutine)."""
        import asyncio
        import json

        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[self.next_ack] = future
        frame = f"42{NAMESPACE},{self.next_ack}" + json.dumps([event, data], separators=(",", ":"))
        return future, self.ws.send_str(frame)

    async def call(self, event: str, data: dict, timeout: float = 30):
        import asyncio

        future, sending = self.send_event(event, data)
        await sending
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.reader.cancel()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (every thread), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client_process(jobs, room_id: int, ready, start, go_home, results) -> None:
    """Opens one connection per (url, cookie) of ``jobs`` and joins the room; reports, per
    message, the first and last receipt (``time.monotonic()``: one clock for every
    process of the machine) and how many of its connections received it, and the CPU
    time this process used between ``start`` and ``go_home``."""
    import asyncio

    try:
        asyncio.run(_receive(jobs, room_id, ready, start, go_home, results))
    except Exception as error:  # reported to the parent, which stops
        ready.put(f"error: {error!r}")


async def _receive(jobs, room_id, ready, start, go_home, results) -> None:
    import asyncio

    import aiohttp

    received: dict = {}
    clock = time.monotonic

    def heard(frame: str) -> None:
        client_id = client_id_of(frame)
        if client_id is None:
            return  # presence and the like
        now = clock()
        seen = received.get(client_id)
        if seen is None:
            received[client_id] = [now, now, 1]
        else:
            seen[1] = now
            seen[2] += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        connections = [Connection(session, url, cookie) for url, cookie in jobs]
        gate = asyncio.Semaphore(10)

        async def open_and_join(connection):
            async with gate:
                await connection.open(heard)
                answer = await connection.call("join", {"room": room_id})
                assert answer and answer.get("ok"), answer

        try:
            await asyncio.gather(*(open_and_join(c) for c in connections))
            ready.put(len(connections))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, start.wait)
            cpu = time.process_time()
            await loop.run_in_executor(None, go_home.wait)
            cpu = time.process_time() - cpu
            results.put({"received": {k: tuple(v) for k, v in received.items()}, "cpu": cpu})
        finally:
            await asyncio.wait_for(asyncio.gather(*(c.close() for c in connections), return_exceptions=True), 10)


async def _send_load(sender, room_id, rate, seconds) -> tuple[dict, list, list]:
    """One connection sends ``rate`` messages a second for ``seconds`` (on schedule, not
    waiting for answers); returns the send moment of each message, the acknowledgement
    times and the refusals."""
    import asyncio
    import json

    import aiohttp

    sent_at: dict[str, float] = {}
    acked: list[float] = []
    failed: list = []
    clock = time.monotonic
    async with aiohttp.ClientSession() as session:
        connection = Connection(session, sender[0], sender[1])
        await connection.open(lambda frame: None)
        pending = []

        async def answered(future, client_id):
            try:
                answer = await asyncio.wait_for(future, 30)
            except Exception as error:
                failed.append(repr(error))
                return
            if answer and answer.get("ok"):
                acked.append(clock() - sent_at[client_id])
            else:
                failed.append(json.dumps(answer)[:200])

        try:
            interval, total = 1.0 / rate, int(rate * seconds)
            begin = clock()
            for n in range(total):
                pause = begin + n * interval - clock()
                if pause > 0:
                    await asyncio.sleep(pause)
                client_id = uuid.uuid4().hex
                future, sending = connection.send_event("send", {"room": room_id, "body": BODY, "client_id": client_id})
                sent_at[client_id] = clock()
                await sending
                pending.append(asyncio.ensure_future(answered(future, client_id)))
            await asyncio.gather(*pending)
            await asyncio.sleep(3)  # the last broadcasts arrive
        finally:
            await connection.close()
    return sent_at, acked, failed


def run_load(label, receivers, sender, room_id, rate, seconds, client_processes, server_pids) -> dict:
    """``receivers``: (url, cookie) per client; ``sender``: (url, cookie); ``server_pids``:
    the web processes, whose CPU time over the load is reported."""
    import asyncio

    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    start, go_home = context.Event(), context.Event()
    chunks = [receivers[i::client_processes] for i in range(client_processes)]
    processes = [
        context.Process(target=client_process, args=(c, room_id, ready, start, go_home, results)) for c in chunks
    ]
    for process in processes:
        process.start()
    try:
        opened = 0
        for _process in processes:
            answer = ready.get(timeout=300)
            if isinstance(answer, str):
                raise RuntimeError(f"{label}: a client process failed: {answer}")
            opened += answer
        print(f"{label}: {opened} clients connected over WebSocket and joined")  # noqa: T201
        time.sleep(2)  # the joins' presence broadcasts drain
        idle_from = sum(_cpu_seconds(pid) for pid in server_pids)
        time.sleep(IDLE_SECONDS)  # what the open connections cost without messages
        server_idle = (sum(_cpu_seconds(pid) for pid in server_pids) - idle_from) / IDLE_SECONDS
        server_cpu = [_cpu_seconds(pid) for pid in server_pids]
        start.set()
        sent_at, acked, failed = asyncio.run(_send_load(sender, room_id, rate, seconds))
        server_cpu = [_cpu_seconds(pid) - before for pid, before in zip(server_pids, server_cpu, strict=True)]
        go_home.set()
        received: dict = {}
        client_cpu = 0.0
        for _process in processes:
            answer = results.get(timeout=120)
            client_cpu += answer["cpu"]
            for client_id, (first, last, count) in answer["received"].items():
                old_first, old_last, old_count = received.get(client_id, (first, last, 0))
                received[client_id] = (min(first, old_first), max(last, old_last), count + old_count)
    finally:
        start.set()
        go_home.set()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    latencies, incomplete = [], 0
    for client_id, sent in sent_at.items():
        _first, last, count = received.get(client_id, (0, 0, 0))
        if count < len(receivers):
            incomplete += 1
            continue
        latencies.append((last - sent) * 1000)
    latencies.sort()
    messages = max(1, len(sent_at))
    return {
        "sent": len(sent_at),
        "refused": len(failed),
        "refusals": failed[:3],
        "incomplete": incomplete,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan"),
        "max_ms": latencies[-1] if latencies else float("nan"),
        "ack_p50_ms": statistics.median(acked) * 1000 if acked else float("nan"),
        "server_cpu_s": [round(c, 2) for c in server_cpu],
        "server_idle_cores": round(server_idle, 3),
        "server_cpu_ms_per_message": sum(server_cpu) * 1000 / messages,
        "server_cpu_us_per_receipt": sum(server_cpu) * 1e6 / (messages * len(receivers)),
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_us_per_receipt": client_cpu * 1e6 / (messages * len(receivers)),
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
    parser.add_argument("--client-processes", type=int, default=2)
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
            "lms",
            receivers,
            (one, sender_cookie),
            room_id,
            args.rate,
            args.seconds,
            args.client_processes,
            _children("lms_core.cli"),
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
            "bare",
            receivers,
            (urls[0], None),
            0,
            args.rate,
            args.seconds,
            args.client_processes,
            [process.pid for process in bare],
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
    for name, r in results.items():
        print(  # noqa: T201
            f"{name:5} CPU over the load: web processes {sum(r['server_cpu_s']):.1f} s "
            f"({r['server_cpu_ms_per_message']:.2f} ms per message, {r['server_cpu_us_per_receipt']:.1f} µs per "
            f"receipt; idle before the load {r['server_idle_cores']:.2f} of a core), "
            f"clients {r['client_cpu_s']:.1f} s ({r['client_cpu_us_per_receipt']:.1f} µs per receipt)"
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


def _children(marker: str) -> list[int]:
    """This process's child processes whose command line holds ``marker``."""
    pids = []
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in command:
                pids.append(int(pid))
    return pids


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
