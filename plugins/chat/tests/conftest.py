"""Fixtures of the chat plugin's tests: the app with this plugin only, a course with a
teacher and learners, and real python-socketio clients on the ``/chat`` namespace of a
real server (``lms run``), logged in over HTTP with a real session cookie."""

from __future__ import annotations

import re
import threading
import time
import uuid

import pytest

from lms_core.testing import PASSWORD


@pytest.fixture
def lms_base_config():
    return {"LMS_PLUGINS": "chat"}


class Course:
    def __init__(self, factory):
        self.teacher = factory.user(role="teacher", name="Tess Teacher")
        self.course = factory.course(teacher=self.teacher, title="Python basics")
        self.learners = [factory.user(name=name) for name in ("Ann Lee", "Bob Stone", "Cleo Park")]
        for learner in self.learners:
            factory.enrol(learner, self.course)
        from lms_chat import rooms

        self.room = rooms.course_room(self.course)


@pytest.fixture
def course(factory):
    return Course(factory)


def new_id() -> str:
    return uuid.uuid4().hex


def log_in_over_http(base_url, user, password=PASSWORD):
    import requests

    browser = requests.Session()
    page = browser.get(base_url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = browser.post(
        base_url + "/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    return browser


class ChatClient:
    """A python-socketio client on ``/chat`` that records every chat event it hears."""

    EVENTS = (
        "chat:message",
        "chat:edited",
        "chat:deleted",
        "chat:typing",
        "chat:presence",
        "chat:muted",
        "chat:closed",
    )

    def __init__(self, base_url, browser):
        import socketio

        self.base_url, self.browser = base_url, browser
        self.heard: list[tuple[str, dict]] = []
        self.ended = threading.Event()
        self.client = socketio.Client(reconnection=False)
        for name in self.EVENTS:
            self.client.on(name, self._recorder(name), namespace="/chat")
        self.client.on("disconnect", lambda *args: self.ended.set(), namespace="/chat")
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        self.client.connect(
            base_url, headers={"Cookie": cookie}, namespaces=["/chat"], transports=["websocket"], wait_timeout=10
        )

    def _recorder(self, name):
        return lambda data: self.heard.append((name, data))

    def call(self, event, data, timeout=10):
        return self.client.call(event, data, namespace="/chat", timeout=timeout)

    def messages(self, event="chat:message"):
        return [data for name, data in self.heard if name == event]

    def wait_for(self, count, event="chat:message", timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.messages(event)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages(event)

    def close(self):
        # A graceful close can hang: abort it (no waiting for background tasks), bounded.
        closer = threading.Thread(target=lambda: self.client.eio.disconnect(abort=True), daemon=True)
        closer.start()
        closer.join(timeout=5)


@pytest.fixture
def chat_clients():
    """Opens ChatClients and closes every one of them after the test, bounded."""
    opened = []

    def open_client(base_url, user_or_browser):
        browser = (
            user_or_browser if hasattr(user_or_browser, "cookies") else log_in_over_http(base_url, user_or_browser)
        )
        client = ChatClient(base_url, browser)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()
