"""Sessions live on the server: logging out, a password change or "log out" on the
account page ends them, a copied cookie stops working, and so do the live Socket.IO
connections of the ended session (a real python-socketio client against the real server)."""

import os
import re
import threading
import time

import pytest

from lms_core.extensions import db
from lms_core.models import UserSession
from lms_core.testing import PASSWORD


def copy_cookies(source, target):
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_logging_out_ends_the_session_so_a_copied_cookie_no_longer_works(app, client, factory, login):
    student = factory.user()
    login(client, student)
    thief = app.test_client()
    copy_cookies(client, thief)
    assert thief.get("/dashboard").status_code == 200  # the copy works while the session lives

    client.post("/logout")
    assert thief.get("/dashboard").status_code == 302
    assert db.session.execute(db.select(db.func.count(UserSession.id))).scalar_one() == 0


def test_the_cookie_holds_a_random_key_and_nothing_from_the_password(app, client, factory, login):
    from flask.sessions import SecureCookieSessionInterface

    student = factory.user()
    login(client, student)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    data = SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie.value)
    assert set(data) <= {"sid", "locale", "csrf_token", "_permanent", "_fresh"}
    assert student.password_hash[-16:] not in cookie.value and "user_id" not in data
    record = db.session.execute(db.select(UserSession)).scalar_one()
    assert record.key_hash != data["sid"] and len(data["sid"]) >= 40


def test_the_account_page_lists_sessions_and_ends_one_of_them(app, client, factory, login):
    student = factory.user()
    login(client, student)
    laptop = app.test_client()
    laptop.post("/login", data={"email": student.email, "password": PASSWORD}, headers={"User-Agent": "Laptop Firefox"})
    page = client.get("/account").get_data(as_text=True)
    assert "Laptop Firefox" in page and "This browser" in page and page.count('class="session-row"') == 2

    laptop_session = db.session.execute(
        db.select(UserSession).where(UserSession.user_agent == "Laptop Firefox")
    ).scalar_one()
    ended = client.post("/account", data={"action": "end_session", "session_id": laptop_session.id})
    assert ended.status_code == 303
    assert laptop.get("/dashboard").status_code == 302 and client.get("/dashboard").status_code == 200


def test_nobody_can_end_someone_elses_session(app, client, factory, login):
    victim, attacker = factory.user(), factory.user()
    victim_client = app.test_client()
    login(victim_client, victim)
    login(client, attacker)
    victim_session = db.session.execute(db.select(UserSession).where(UserSession.user_id == victim.id)).scalar_one()
    client.post("/account", data={"action": "end_session", "session_id": victim_session.id})
    client.post("/account", data={"action": "end_session", "session_id": "99999999999999999999"})
    assert victim_client.get("/dashboard").status_code == 200


def test_an_idle_session_expires(app, client, factory, login):
    from datetime import timedelta

    login(client, factory.user())
    record = db.session.execute(db.select(UserSession)).scalar_one()
    record.last_seen_at = record.last_seen_at - app.permanent_session_lifetime - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_api_tokens_expire_and_are_listed_with_their_last_use(app, client, factory, login):
    from datetime import timedelta

    from lms_core.models import ApiToken

    student = factory.user()
    login(client, student)
    page = client.post("/account", data={"action": "token", "token-name": "laptop script", "token-expires": "30"})
    token = re.search(r'id="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    row = db.session.execute(db.select(ApiToken)).scalar_one()
    assert row.last_used_at is not None
    assert abs(row.expires_at - row.created_at - timedelta(days=30)) < timedelta(seconds=5)
    listing = client.get("/account").get_data(as_text=True)
    assert "laptop script" in listing and "—" not in listing.split("laptop script")[1].split("</tr>")[0]

    row.expires_at = row.created_at  # in the past
    db.session.commit()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "Expired" in client.get("/account").get_data(as_text=True)


def test_a_token_called_often_is_one_statement_a_call_and_its_last_use_is_written_once_a_minute(app, factory):
    from datetime import timedelta

    from lms_core.models import ApiToken
    from lms_core.services.sessions import SEEN_PRECISION
    from lms_core.testing import count_sql

    row, token = ApiToken.issue(factory.user(), "sync job")
    db.session.add(row)
    db.session.commit()
    api, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200  # first use: written
    first_use = db.session.execute(db.select(ApiToken.last_used_at)).scalar_one()
    assert first_use is not None

    db.session.remove()  # each call on a fresh session, as in production
    with count_sql(db.engine) as sql:
        assert api.get("/api/v1/me", headers=headers).status_code == 200
    assert sql.count == 1, sql.statements  # the token with its user; no UPDATE, no COMMIT of one
    assert db.session.execute(db.select(ApiToken.last_used_at)).scalar_one() == first_use

    row = db.session.execute(db.select(ApiToken)).scalar_one()
    row.last_used_at = first_use - SEEN_PRECISION - timedelta(seconds=1)  # a minute later
    db.session.commit()
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    assert db.session.execute(db.select(ApiToken.last_used_at)).scalar_one() > first_use - timedelta(seconds=1)


def test_a_deactivated_account_loses_its_sessions(app, client, factory, login):
    from lms_core.services import people

    admin, student = factory.user(role="admin"), factory.user()
    login(client, student)
    people.update_user(admin, student, "student", False)
    assert db.session.execute(db.select(db.func.count(UserSession.id))).scalar_one() == 0
    assert client.get("/dashboard").status_code == 302


# ---------------------------------------------------------------- live sockets, real server


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
    assert answer.status_code == 302, answer.text[:500]
    return browser


def open_socket(base_url, browser, origin=None):
    """A Socket.IO client with the browser's cookie (refused: socketio.exceptions.ConnectionError). Over WebSocket the client sends the
    site's own Origin; a given ``origin`` is sent over long-polling, exactly as given."""
    import socketio

    client = socketio.Client(reconnection=False)
    client.received = []
    client.ended = threading.Event()
    client.on("notification", lambda data: client.received.append(data))
    client.on("disconnect", lambda *args: client.ended.set())
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    headers = {"Cookie": cookie}
    if origin:
        headers["Origin"] = origin
    client.connect(base_url, headers=headers, transports=["polling"] if origin else ["websocket"], wait_timeout=10)
    return client


def close_socket(client):
    # A graceful close can hang: abort it (no waiting for the background tasks), bounded.
    closer = threading.Thread(target=lambda: client.eio.disconnect(abort=True), daemon=True)
    closer.start()
    closer.join(timeout=5)


def test_a_password_change_disconnects_the_other_sessions_sockets_and_they_hear_nothing(app, factory, live_server):
    import socketio

    from lms_core.services.notifications import notify

    student = factory.user()
    mine = log_in_over_http(live_server, student)
    stolen = log_in_over_http(live_server, student)  # another browser, or a copy of its cookie
    # the handshake refuses a page of another site, even with a good cookie
    with pytest.raises(socketio.exceptions.ConnectionError):
        open_socket(live_server, mine, origin="https://evil.example")
    close_socket(open_socket(live_server, mine, origin=live_server))  # the site's own origin is fine
    my_socket, stolen_socket = open_socket(live_server, mine), open_socket(live_server, stolen)
    try:
        assert my_socket.connected and stolen_socket.connected

        page = mine.get(live_server + "/account", timeout=10).text
        token = re.search(r'name="password-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        changed = mine.post(
            live_server + "/account",
            allow_redirects=False,
            timeout=10,
            data={
                "action": "password",
                "password-current": PASSWORD,
                "password-password": "a new long secret",
                "password-csrf_token": token,
            },
        )
        assert changed.status_code == 303, changed.text[:300]

        assert stolen_socket.ended.wait(timeout=10), "the ended session's socket is still connected"
        assert not my_socket.ended.is_set()
        with pytest.raises(socketio.exceptions.ConnectionError):
            open_socket(live_server, stolen)  # and it cannot come back with the old cookie

        if app.config.get("REDIS_URL"):  # a push from another process (a job) still reaches the live one
            notify(student, "test", "Your grade is out")
            deadline = time.monotonic() + 10
            while not my_socket.received and time.monotonic() < deadline:
                time.sleep(0.05)
            assert my_socket.received and my_socket.received[0]["title"] == "Your grade is out"
            assert stolen_socket.received == []
    finally:
        close_socket(my_socket)
        close_socket(stolen_socket)


@pytest.mark.skipif(
    not os.environ.get("LMS_TEST_REDIS_URL"), reason="between processes, disconnects travel through Redis"
)
def test_a_session_ended_in_another_process_loses_its_socket_through_redis(app, factory, live_server):
    """An admin deactivates an account in one web process (here: the test's own), while
    the person's page holds a socket in another (the live server)."""
    from lms_core.services import people

    admin, student = factory.user(role="admin"), factory.user()
    socket = open_socket(live_server, log_in_over_http(live_server, student))
    try:
        assert socket.connected
        people.update_user(admin, student, "student", False)
        assert socket.ended.wait(timeout=10), "the socket in the other process is still connected"
    finally:
        close_socket(socket)


def test_logging_in_again_replaces_the_browsers_session(app, client, factory, login):
    student = factory.user()
    login(client, student)
    login(client, student)
    assert db.session.execute(db.select(db.func.count(UserSession.id))).scalar_one() == 1
