"""Ending sessions while Redis restarts: the log-out and the log-in that replaces a
browser's session still answer normally, and the sessions' live connections are closed
once Redis is back, by the event log's redelivery (``on_sessions_ended``).

A redis-server of the test's own on a free port, with an append-only file, so stopping
and starting it keeps what the sockets registered (as a production restart would)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis

from lms_core.extensions import db
from lms_core.models import EventDelivery, UserSession
from lms_core.testing import redeliver_due

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="starts a redis-server of its own")


class OwnRedis:
    def __init__(self, folder):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder, self.process = folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
            + ["--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lms_config(lms_config, own_redis):
    return {**lms_config, "REDIS_URL": own_redis.url}


def socket_key(session_id: int) -> str:
    return f"lms:sockets:session:{session_id}"


def test_logging_out_while_redis_restarts_succeeds_and_the_sockets_close_when_it_is_back(
    app, client, factory, login, own_redis
):
    student = factory.user()
    login(client, student)
    [session_id] = db.session.execute(db.select(UserSession.id).where(UserSession.user_id == student.id)).scalars()
    # What the Socket.IO handshake of this session's open page registered.
    redis.Redis.from_url(own_redis.url).sadd(socket_key(session_id), "a-socket-of-that-page")

    own_redis.stop()
    response = client.post("/logout")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    assert db.session.get(UserSession, session_id) is None, "the session ended all the same"
    [delivery] = db.session.execute(
        db.select(EventDelivery).where(EventDelivery.target == "lms_core.sessions")
    ).scalars()
    assert delivery.delivered_at is None and delivery.attempts == 1  # failed, waits
    assert "connect" in (delivery.last_error or "").lower(), delivery.last_error

    own_redis.start()
    assert redis.Redis.from_url(own_redis.url).exists(socket_key(session_id)), "kept across the restart"
    key = (delivery.event_id, delivery.target)
    delivery.next_try_at = delivery.next_try_at.replace(year=2000)  # due now
    db.session.commit()
    redeliver_due()

    db.session.expire_all()
    assert db.session.get(EventDelivery, key).delivered_at is not None
    assert not redis.Redis.from_url(own_redis.url).exists(socket_key(session_id)), "its sockets were disconnected"


def test_logging_in_again_while_redis_is_down_replaces_the_session(app, client, factory, login, own_redis):
    student = factory.user()
    login(client, student)
    own_redis.stop()
    login(client, student)  # the browser's old session ends on the way
    assert client.get("/dashboard").status_code == 200
    assert db.session.execute(db.select(db.func.count(UserSession.id))).scalar_one() == 1
