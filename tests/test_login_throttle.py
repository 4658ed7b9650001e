"""Guessing is throttled per (account, address) with growing waits, and cannot be turned
against the owner; X-Forwarded-For counts only behind a configured number of proxies;
existing and unknown accounts look the same on log-in, reset and sign-up."""

import re
import statistics
import time

import pytest

from lms_core.testing import PASSWORD


def from_address(app, address, headers=None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if headers:
        client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    return client


def guess(client, email, password="wrong guess"):
    return client.post("/login", data={"email": email, "password": password})


class Clock:
    """Stands in for time.time() in the throttle, so waits pass without sleeping."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from lms_core.services import throttle

    fake = Clock()
    monkeypatch.setattr(throttle, "time", fake)
    return fake


def test_a_strangers_wrong_passwords_never_lock_the_owner_out(app, factory):
    owner = factory.user()
    attacker = from_address(app, "203.0.113.66")
    statuses = [guess(attacker, owner.email).status_code for _ in range(10)]
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429
    assert guess(from_address(app, "198.51.100.7"), owner.email, PASSWORD).status_code == 302


def test_each_failure_after_the_free_ones_doubles_the_wait_and_a_success_resets_it(app, factory, clock):
    owner = factory.user()
    client = from_address(app, "192.0.2.10")
    waits = []
    for _ in range(5):
        while (response := guess(client, owner.email)).status_code == 429:
            waits.append(int(re.search(r"wait (\d+) seconds", response.get_data(as_text=True)).group(1)))
            clock.now += waits[-1]
    assert waits == [2, 4]  # three free failures, then 2 s, then 4 s

    clock.now += 8
    assert guess(client, owner.email, PASSWORD).status_code == 302  # the right password after the wait
    assert [guess(client, owner.email).status_code for _ in range(3)] == [401, 401, 401]  # counted from zero again


def test_forwarded_addresses_are_ignored_unless_proxies_are_configured(app, factory):
    owner = factory.user()
    for n in range(6):  # an attacker writing a new X-Forwarded-For each time is still one address
        last = guess(from_address(app, "192.0.2.20", {"X-Forwarded-For": f"10.9.9.{n}"}), owner.email)
    assert last.status_code == 429


@pytest.mark.lms_config(LMS_PROXY_HOPS=1)
def test_behind_one_proxy_each_client_is_known_by_its_forwarded_address(app, factory):
    owner = factory.user()
    proxy = "10.0.0.2"
    for _ in range(6):
        last = guess(from_address(app, proxy, {"X-Forwarded-For": "203.0.113.66"}), owner.email)
    assert last.status_code == 429
    # the owner comes through the same proxy: not locked out with the attacker
    assert (
        guess(from_address(app, proxy, {"X-Forwarded-For": "198.51.100.7"}), owner.email, PASSWORD).status_code == 302
    )


def test_the_current_password_on_the_account_page_is_throttled_too(app, client, factory, login):
    student = factory.user()
    login(client, student)
    statuses = [
        client.post(
            "/account",
            data={"action": "password", "password-current": "guess", "password-password": "a new long secret"},
        ).status_code
        for _ in range(app.config["LMS_THROTTLE_FREE_ATTEMPTS"] + 1)
    ]
    assert statuses[-1] == 429
    page = client.post(
        "/account", data={"action": "password", "password-current": PASSWORD, "password-password": "a new long secret"}
    )
    assert page.status_code == 429 and 'class="field-error"' in page.get_data(as_text=True)


# ---------------------------------------------------------------- nothing tells who has an account


def strip_tokens(html, *emails):
    for email in emails:
        html = html.replace(email, "EMAIL")
    return re.sub(r'(csrf[-_]token"?[^>]*?(content|value)=")[^"]+', r"\1", html)


def timed(send):
    start = time.perf_counter()
    response = send()
    return time.perf_counter() - start, response


def similar(times_a, times_b):
    """Loosely equal: the medians within a factor of two (the machine is shared)."""
    a, b = statistics.median(times_a), statistics.median(times_b)
    return max(a, b) / min(a, b) < 2.0


# With the deployment's hash method: the time a password check takes is what is compared.
@pytest.mark.lms_config(LMS_THROTTLE_FREE_ATTEMPTS=100, LMS_PASSWORD_HASH_METHOD="scrypt")
def test_log_in_takes_as_long_and_says_the_same_for_an_unknown_address(app, client, factory):
    known = factory.user(email="known@example.org")
    known_times, unknown_times, pages = [], [], set()
    for n in range(5):  # interleaved, so the machine's load hits both alike
        t, response = timed(lambda: guess(client, known.email))
        known_times.append(t)
        pages.add((response.status_code, strip_tokens(response.get_data(as_text=True), known.email)))
        email = f"nobody{n}@example.org"
        t, response = timed(lambda: guess(client, email))  # noqa: B023 - called at once
        unknown_times.append(t)
        pages.add((response.status_code, strip_tokens(response.get_data(as_text=True), email)))
    assert len(pages) == 1 and next(iter(pages))[0] == 401
    assert similar(known_times[1:], unknown_times[1:]), (known_times, unknown_times)
    assert min(unknown_times) > 0.005  # the unknown address paid for a password check too


# With the deployment's hash method: the time a password check takes is what is compared.
@pytest.mark.lms_config(LMS_THROTTLE_FREE_ATTEMPTS=100, LMS_PASSWORD_HASH_METHOD="scrypt")
def test_sign_up_takes_as_long_and_says_the_same_for_a_taken_address(app, client, factory):
    factory.user(email="taken@example.org")
    taken_times, new_times, pages = [], [], set()
    for n in range(3):
        form = {"name": "N", "password": PASSWORD, "confirm": PASSWORD}
        t, response = timed(lambda: client.post("/register", data={**form, "email": "taken@example.org"}))  # noqa: B023 - called at once
        taken_times.append(t)
        pages.add(strip_tokens(response.get_data(as_text=True), "taken@example.org"))
        email = f"new{n}@example.org"
        t, response = timed(lambda: client.post("/register", data={**form, "email": email}))  # noqa: B023 - called at once
        new_times.append(t)
        pages.add(strip_tokens(response.get_data(as_text=True), email))
    assert len(pages) == 1
    assert similar(taken_times[1:], new_times[1:]), (taken_times, new_times)


@pytest.mark.lms_config(LMS_THROTTLE_FREE_ATTEMPTS=100)
def test_a_reset_request_takes_as_long_and_says_the_same_for_an_unknown_address(app, client, factory):
    factory.user(email="known@example.org")
    known_times, unknown_times, pages = [], [], set()
    for n in range(4):
        t, response = timed(lambda: client.post("/password/forgot", data={"email": "known@example.org"}))
        known_times.append(t)
        pages.add(strip_tokens(response.get_data(as_text=True), "known@example.org"))
        email = f"nobody{n}@example.org"
        t, response = timed(lambda: client.post("/password/forgot", data={"email": email}))  # noqa: B023 - called at once
        unknown_times.append(t)
        pages.add(strip_tokens(response.get_data(as_text=True), email))
    assert len(pages) == 1
    if app.config.get("REDIS_URL"):  # inline jobs (no Redis) do the mail inside the request
        assert similar(known_times[1:], unknown_times[1:]), (known_times, unknown_times)


# ---------------------------------------------------------------- cookies


def test_the_secure_cookie_setting_comes_from_the_environment(monkeypatch, tmp_path):
    from flask import Flask

    from lms_core.config import load_config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("LMS_PROXY_HOPS", "2")
    app = Flask("probe", instance_path=str(tmp_path))
    load_config(app, {"SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["LMS_PROXY_HOPS"] == 2


@pytest.mark.lms_config(SESSION_COOKIE_SECURE=True)
def test_with_the_setting_the_session_cookie_is_secure_and_http_only(client, factory):
    response = guess(client, factory.user().email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
