"""The in-app inbox updates live over Socket.IO (through Redis when it is set)."""

import time

import pytest

from lms_core.extensions import socketio
from lms_core.services.notifications import mark_read, notify


def received(client, event, timeout=5.0):
    """Events named ``event`` received within ``timeout`` seconds (bounded wait)."""
    deadline = time.monotonic() + timeout
    found = []
    while time.monotonic() < deadline and not found:
        found = [p for p in client.get_received() if p["name"] == event]
        if not found:
            time.sleep(0.05)
    return found


# Flask-SocketIO's test client talks to this process directly; the path through Redis
# between processes is covered with a live server in test_realtime_redis.py.
in_process = pytest.mark.lms_config(REDIS_URL=None)


@in_process
def test_a_notification_reaches_the_users_open_page_and_nobody_elses(app, client, factory, login):
    student, other = factory.user(), factory.user()
    login(client, student)
    socket = socketio.test_client(app, flask_test_client=client)
    other_client = app.test_client()
    login(other_client, other)
    other_socket = socketio.test_client(app, flask_test_client=other_client)
    try:
        assert socket.is_connected()
        notify(student, "test", "Your grade is out", url="/dashboard")
        events = received(socket, "notification")
        assert events and events[0]["args"][0]["title"] == "Your grade is out"
        assert events[0]["args"][0]["unread"] == 1
        assert received(other_socket, "notification", timeout=0.5) == []

        mark_read(student.id)
        assert received(socket, "unread")[0]["args"][0]["unread"] == 0
    finally:
        socket.disconnect()
        other_socket.disconnect()


@in_process
def test_an_anonymous_socket_is_refused(app):
    socket = socketio.test_client(app)
    assert not socket.is_connected()


def test_a_notification_is_written_in_the_recipients_language(factory):
    from flask_babel import gettext as _

    russian = factory.user(locale="ru")
    note = notify(russian, "test", lambda: _("Notifications"))
    assert note.title == "Уведомления"


@in_process
def test_only_the_course_people_may_follow_a_course_room(app, factory, login):
    from lms_core.realtime import course_room, push

    course = factory.course()
    learner, stranger = factory.user(), factory.user()
    factory.enrol(learner, course)
    sockets = {}
    for who, user in (("learner", learner), ("stranger", stranger)):
        client = app.test_client()
        login(client, user)
        sockets[who] = socketio.test_client(app, flask_test_client=client)
        sockets[who].emit("join_course", {"course_id": course.id})
    try:
        assert not sockets["stranger"].is_connected()  # refused and disconnected
        push(course_room(course.id), "leaderboard", {"course": course.id})
        assert received(sockets["learner"], "leaderboard")[0]["args"][0] == {"course": course.id}
    finally:
        for socket in sockets.values():
            if socket.is_connected():
                socket.disconnect()
