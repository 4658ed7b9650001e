"""End to end in headless Chromium against the real server (``lms run``): a learner
joins a Jitsi lecture through the LMS link; the page builds the room from the plugin's
own script, on a self-hosted "Jitsi server" (a local HTTP server) with a JWT carrying
the learner's LMS id, and the page's heartbeats record the attendance. Nothing leaves
127.0.0.1. Screenshots in English and Russian at 1280 and 390 px."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from lms_core import db
from lms_core.testing import browser_login

pytestmark = pytest.mark.browser
JITSI_SECRET = "jitsi-app-secret-" + "x" * 40


def _jitsi_server():
    import importlib.util

    spec = importlib.util.spec_from_file_location("zoom_test_conftest", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LocalServer(lambda req: (200, "text/html", "<!doctype html><title>Jitsi Meet</title><p>room</p>"))


@pytest.fixture
def server(app, monkeypatch, request):
    jitsi = _jitsi_server()
    settings = {"ZOOM_JITSI_URL": jitsi.url, "ZOOM_JITSI_APP_ID": "lms", "ZOOM_JITSI_SECRET": JITSI_SECRET}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)  # the server process reads them from the environment
    app.config.update(settings)
    base = request.getfixturevalue("live_server")
    yield base, jitsi
    jitsi.stop()


def _offline(page, allowed: list[str]):
    def route(route_):
        if any(route_.request.url.startswith(prefix) for prefix in allowed):
            return route_.continue_()
        return route_.abort()

    page.route("**/*", route)


def _shoot(page, folder, name: str):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_learner_joins_a_jitsi_lecture_through_the_lms_link(server, browser_page, live, at, screenshots):
    from lms_zoom.models import AttendanceInterval

    base, jitsi = server
    course, teacher, (anna,) = live.course(title="Python 101")
    anna.name = "Anna Learner"
    db.session.commit()
    session = live.schedule(course, teacher, at(minutes=5), title="Loops and lists", duration="90")
    page = browser_page
    _offline(page, [base, jitsi.url])

    browser_login(page, base, anna)
    page.goto(f"{base}/courses/{course.slug}")
    assert "Loops and lists" in page.inner_text("#course-live-sessions")
    page.click("#course-live-sessions a.zoom-join")
    frame = page.wait_for_selector("iframe#jitsi-frame")
    src = urlsplit(frame.get_attribute("src"))
    assert f"{src.scheme}://{src.netloc}" == jitsi.url
    assert src.path == "/" + session.meeting["room"]
    claims = jwt.decode(parse_qs(src.query)["jwt"][0], JITSI_SECRET, algorithms=["HS256"], audience="jitsi")
    assert claims["room"] == session.meeting["room"] and claims["iss"] == "lms"
    assert claims["context"]["user"] == {
        "id": str(anna.id),
        "name": "Anna Learner",
        "email": anna.email,
        "moderator": False,
    }
    assert 'userInfo.displayName=%22Anna%20Learner%22' in src.fragment
    for _ in range(50):  # the room is loaded from the (local) Jitsi server
        if any(r.path == "/" + session.meeting["room"] for r in jitsi.requests):
            break
        page.wait_for_timeout(100)
    assert any(r.path == "/" + session.meeting["room"] and "jwt" in r.query for r in jitsi.requests)

    def attended():
        db.session.expire_all()
        return db.session.execute(db.select(AttendanceInterval).where(AttendanceInterval.user_id == anna.id)).first()

    page.wait_for_timeout(300)
    for _ in range(30):
        if attended():
            break
        page.wait_for_timeout(100)
    assert attended(), "the page's heartbeat reached the LMS"
    _shoot(page, screenshots, "room-en")
    page.goto(f"{base}/zoom/sessions/{session.id}")
    _shoot(page, screenshots, "session-learner-en")

    anna.locale = "ru"  # the same pages in Russian
    db.session.commit()
    page.goto(f"{base}/courses/{course.slug}")
    assert "Онлайн-лекции" in page.inner_text("#course-live-sessions")
    _shoot(page, screenshots, "course-learner-ru")
    page.goto(f"{base}/zoom/sessions/{session.id}")
    _shoot(page, screenshots, "session-learner-ru")
    page.click("a.zoom-join")
    page.wait_for_selector("iframe#jitsi-frame")
    assert "config.defaultLanguage=%22ru%22" in page.get_attribute("iframe#jitsi-frame", "src")
    assert "Пока эта страница открыта" in page.inner_text("main")
    _shoot(page, screenshots, "room-ru")


def test_screenshots_of_the_teachers_pages_in_english_and_russian(
    server, browser_page, live, at, zoom_server, screenshots
):
    base, _jitsi = server
    course, teacher, learners = live.course(learners=3, title="Python 101")
    session = live.schedule(course, teacher, at(minutes=5), title="Loops and lists")
    live.schedule(
        course,
        teacher,
        at(days=2),
        title="Weekly seminar",
        repeat="weekly",
        weekdays=[at(days=2).weekday()],
        ends="count",
        count=6,
    )
    page = browser_page
    _offline(page, [base])
    for language in ("en", "ru"):
        teacher.locale = language
        db.session.commit()
        browser_login(page, base, teacher)
        page.goto(f"{base}/zoom/courses/{course.id}/")
        assert page.locator("table.zoom-sessions tr[data-session]").count() == 2
        _shoot(page, screenshots, f"course-teacher-{language}")
        page.goto(f"{base}/zoom/courses/{course.id}/new")
        page.check("input[name=repeat][value=weekly]")
        _shoot(page, screenshots, f"form-{language}")
        page.click("#save-session")  # empty title: the form says what is wrong
        page.wait_for_selector("#zoom-error")
        _shoot(page, screenshots, f"form-errors-{language}")
        page.goto(f"{base}/zoom/occurrences/{session.occurrences[0].id}/attendance")
        _shoot(page, screenshots, f"attendance-{language}")
        page.click("form[action='/logout'] button")
        page.wait_for_selector("a[href='/login']")
