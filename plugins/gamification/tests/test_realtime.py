"""A course leaderboard's open pages hear about changes live, over Socket.IO."""

import threading
import time

import pytest

from lms_core.testing import socketio

# Flask-SocketIO's test client talks to this process directly (no Redis message queue).
in_process = pytest.mark.lms_config(REDIS_URL=None)


@pytest.fixture
def without_message_queue():
    """``lms_core.realtime.init_realtime`` sets ``message_queue`` on the shared SocketIO
    object only when Redis is configured and never removes it, so an app built after a
    Redis one keeps the queue; drop it before ``app`` is built (reported to the core)."""
    for option in ("message_queue", "client_manager"):
        socketio.server_options.pop(option, None)


def received(socket, event, timeout=5.0):
    """Events named ``event`` that arrived within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    found = []
    while time.monotonic() < deadline and not found:
        found = [p for p in socket.get_received() if p["name"] == event]
        if not found:
            time.sleep(0.05)
    return found


def close(*sockets, timeout=3.0):
    """Disconnect without letting a slow close hang the test run."""

    def run():
        for socket in sockets:
            if socket.is_connected():
                socket.disconnect()

    closer = threading.Thread(target=run, daemon=True)
    closer.start()
    closer.join(timeout)


def open_socket(app, factory, login, user):
    client = app.test_client()
    login(client, user)
    return socketio.test_client(app, flask_test_client=client)


@in_process
def test_a_classmates_new_points_reach_an_open_course_leaderboard_without_saying_whose(
    without_message_queue, app, factory, login, pass_quiz
):
    course = factory.course()
    factory.lesson(course)
    watcher, achiever = factory.user(), factory.user()
    for student in (watcher, achiever):
        factory.enrol(student, course)
    watching = open_socket(app, factory, login, watcher)
    achieving = open_socket(app, factory, login, achiever)
    try:
        watching.emit("join_course", {"course_id": course.id})
        watching.get_received()

        pass_quiz(achiever, factory.quiz(course))

        update = received(watching, "gamification.leaderboard")
        assert update and update[0]["args"][0] == {"course_id": course.id}
        own = received(achieving, "gamification.points")
        assert own and own[-1]["args"][0] == {"points": 20}
        assert received(watching, "gamification.points", timeout=0.3) == []
    finally:
        close(watching, achieving)


@in_process
def test_the_dashboards_points_panel_hears_new_points_and_fetches_itself_again(
    without_message_queue, app, client, factory, login, pass_quiz
):
    course = factory.course()
    student = factory.user()
    factory.enrol(student, course)
    login(client, student)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'data-url="/gamification/me/summary"' in dashboard
    assert "/gamification/static/dashboard.js" in dashboard and "0 points" in dashboard
    socket = open_socket(app, factory, login, student)
    try:
        pass_quiz(student, factory.quiz(course))
        pushed = received(socket, "gamification.points")
        assert pushed and pushed[0]["args"][0] == {"points": 20}  # then the completed course's
        total = pushed[-1]["args"][0]["points"]
    finally:
        close(socket)
    panel = client.get("/gamification/me/summary")
    html = panel.get_data(as_text=True)
    assert panel.status_code == 200 and panel.headers["Cache-Control"] == "private, no-store"
    assert f"{total} points" in html and 'id="gamification-dashboard"' in html and "<script" not in html
    assert app.test_client().get("/gamification/me/summary").status_code in (302, 401)
