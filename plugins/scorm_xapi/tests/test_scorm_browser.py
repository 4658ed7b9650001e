"""The player in Chromium: the test SCO finds window.API (1.2) / window.API_1484_11
(2004) from scorm-again in its runtime page, served from a separate content origin
(localhost while the site is 127.0.0.1), commits 64 KB of suspend_data, is closed
without finishing (the beacon keeps its last state), resumes, and finishes: the lesson
is done."""

from __future__ import annotations

import io
import time

import pytest
from scorm_builders import PackageSpec, build

from lms_core import db
from lms_core.models import LessonCompletion
from lms_core.testing import browser_login
from lms_scorm_xapi.scorm.models import ScormAttempt, ScormPackage

pytestmark = pytest.mark.browser


@pytest.fixture
def scorm_server(monkeypatch, request):
    """The live server, with packages served from http://localhost:<its port>."""
    from lms_core import testing

    port = testing._free_port()
    monkeypatch.setattr(testing, "_free_port", lambda: port)
    monkeypatch.setenv("SCORM_CONTENT_ORIGIN", f"http://localhost:{port}")
    return request.getfixturevalue("live_server")


def wait_for(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        db.session.rollback()
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(
        f"timed out: {[(a.id, a.commits, {k: v[:30] for k, v in a.data.items()}) for a in db.session.execute(db.select(ScormAttempt)).scalars()]}"
    )


def import_as(app, teacher, course, data):
    client = app.test_client()
    from lms_core.testing import login

    login(client, teacher)
    response = client.post(
        f"/scorm/courses/{course.id}/packages",
        data={"package": (io.BytesIO(data), "p.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    return db.session.execute(db.select(ScormPackage).order_by(ScormPackage.id.desc())).scalars().first()


def sco_frame(page):
    def find():
        return next((f for f in page.frames if "/content/" in f.url), None)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        frame = find()
        if frame is not None:
            text = frame.evaluate("() => (document.getElementById('state') || {}).textContent || ''")
            if text and not text.startswith("loading"):
                return frame
        page.wait_for_timeout(100)  # lets Playwright take in the frames' events (time.sleep would not)
    raise AssertionError(f"the SCO did not start: {[(f.url, f.content()[:400]) for f in page.frames]}")


def test_a_learner_plays_a_scorm_12_sco_closes_the_tab_resumes_and_finishes(
    app, scorm_course, scorm_server, browser_page, screenshots
):
    teacher, course, learner = scorm_course
    package = import_as(app, teacher, course, build(PackageSpec(version="1.2")))
    sco = package.scos[0]
    page, shots = browser_page, screenshots
    browser_login(page, scorm_server, learner)
    page.goto(f"{scorm_server}/scorm/scos/{sco.id}")
    frame = sco_frame(page)
    assert frame.url.startswith(f"{scorm_server.replace('127.0.0.1', 'localhost')}/scorm/run/")
    assert frame.locator("#state").inner_text() == "ready 1.2 entry=ab-initio suspend=0 learner=Learner, Lena"
    # The SCO cannot reach the LMS page: another origin.
    assert (
        frame.evaluate("() => { try { return window.top.document.title; } catch (e) { return 'blocked'; } }")
        == "blocked"
    )
    assert frame.evaluate("() => window.scoSaveProgress(65536)") == "true"
    attempt = wait_for(lambda: db.session.execute(db.select(ScormAttempt)).scalar_one_or_none())
    wait_for(lambda: len(db.session.get(ScormAttempt, attempt.id).data.get("cmi.suspend_data", "")) == 65536)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=shots / "player-en-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=shots / "player-en-390.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    # Some progress is never committed: leaving the page sends it by beacon.
    frame.evaluate("() => window.scoQuiet(1000)")
    page.goto(f"{scorm_server}/dashboard")
    wait_for(lambda: db.session.get(ScormAttempt, attempt.id).data.get("cmi.suspend_data") == "q" * 1000)
    assert db.session.get(ScormAttempt, attempt.id).suspended
    # Back again: the same attempt resumes where it was.
    page.goto(f"{scorm_server}/scorm/scos/{sco.id}")
    frame = sco_frame(page)
    assert frame.locator("#state").inner_text() == "ready 1.2 entry=resume suspend=1000 learner=Learner, Lena"
    frame.click("#finish")
    wait_for(lambda: db.session.execute(db.select(LessonCompletion)).scalar_one_or_none())
    done = db.session.get(ScormAttempt, attempt.id)
    assert (done.completion_status, done.score_percent, done.finished) == ("passed", 85.0, True)
    assert done.data["cmi.interactions.0.student_response"] == "b"
    assert db.session.execute(db.select(db.func.count()).select_from(ScormAttempt)).scalar() == 1
    page.goto(f"{scorm_server}/scorm/scos/{sco.id}")
    assert page.locator("#scorm-done").is_visible()


def test_a_scorm_2004_sco_reports_to_api_1484_11_in_russian(app, scorm_course, scorm_server, browser_page, screenshots):
    teacher, course, learner = scorm_course
    learner.locale = "ru"
    db.session.commit()
    package = import_as(app, teacher, course, build(PackageSpec(version="2004")))
    sco = package.scos[0]
    page, shots = browser_page, screenshots
    browser_login(page, scorm_server, learner)
    page.goto(f"{scorm_server}/scorm/scos/{sco.id}")
    frame = sco_frame(page)
    assert frame.locator("#state").inner_text().startswith("ready 2004 entry=ab-initio")
    assert page.locator("#scorm-fullscreen").inner_text() == "Во весь экран"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=shots / "player-ru-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=shots / "player-ru-390.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    frame.click("#finish")
    wait_for(lambda: db.session.execute(db.select(LessonCompletion)).scalar_one_or_none())
    attempt = db.session.execute(db.select(ScormAttempt)).scalar_one()
    assert (attempt.completion_status, attempt.success_status, attempt.score_percent) == ("completed", "passed", 85.0)
    assert attempt.data["cmi.interactions.0.learner_response"] == "b"
    # The teacher's report shows the attempt, at 390 px too.
    browser_page.context.clear_cookies()
    browser_login(page, scorm_server, teacher)
    page.goto(f"{scorm_server}/scorm/packages/{package.id}")
    assert "85" in page.locator("#scorm-report").inner_text()
    page.screenshot(path=shots / "report-en-390.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=shots / "report-en-1280.png", full_page=True)


def test_round_trip_an_exported_quiz_is_played_and_its_completion_recorded(
    app, factory, scorm_course, scorm_server, browser_page
):
    from lms_scorm_xapi.scorm import export

    teacher, course, learner = scorm_course
    native = factory.course(teacher=teacher, title="Ladders")
    factory.lesson(native, title="Why ladders fail", body="Three **reasons**.")
    factory.quiz(native, title="Ladder check", pass_percent=50)
    with app.test_request_context():
        data = export.build_package(native, "2004")
    package = import_as(app, teacher, course, data)
    lesson_sco, quiz_sco = package.scos
    page = browser_page
    browser_login(page, scorm_server, learner)
    page.goto(f"{scorm_server}/scorm/scos/{lesson_sco.id}")
    wait_for(
        lambda: db.session.execute(
            db.select(LessonCompletion).where(LessonCompletion.lesson_id == lesson_sco.lesson_id)
        ).first()
    )
    page.goto(f"{scorm_server}/scorm/scos/{quiz_sco.id}")
    frame = None
    for _ in range(100):
        frame = next((f for f in page.frames if "/content/quiz_" in f.url), None)
        if frame is not None and frame.locator("#submit-quiz").count():
            break
        page.wait_for_timeout(100)
    frame.get_by_label("right").check()
    frame.click("#submit-quiz")
    wait_for(
        lambda: db.session.execute(
            db.select(LessonCompletion).where(LessonCompletion.lesson_id == quiz_sco.lesson_id)
        ).first()
    )
    # The quiz commits its score, then terminates: two requests the runtime sends without
    # waiting for each other, so the completion may be recorded before the Terminate lands.
    attempt = wait_for(
        lambda: db.session.execute(
            db.select(ScormAttempt).where(ScormAttempt.sco_id == quiz_sco.id, ScormAttempt.finished.is_(True))
        ).scalar_one_or_none()
    )
    assert (attempt.success_status, attempt.score_percent, attempt.finished) == ("passed", 100.0, True)
    assert attempt.data["cmi.interactions.0.result"] == "correct"


def test_a_multi_sco_2004_package_moves_by_the_scos_requests_and_the_contents(
    app, scorm_course, scorm_server, browser_page, screenshots
):
    from scorm_builders import Sco

    teacher, course, learner = scorm_course
    scos = [Sco("a", "One", "a/index.html"), Sco("b", "Two", "b/index.html"), Sco("c", "Three", "c/index.html")]
    spec = PackageSpec(version="2004", scos=scos, control_mode={"choice": True, "flow": True})
    one, two, three = import_as(app, teacher, course, build(spec)).scos
    page = browser_page
    browser_login(page, scorm_server, learner)
    page.goto(f"{scorm_server}/scorm/scos/{one.id}")
    frame = sco_frame(page)
    assert frame.evaluate("() => document.body.dataset.canContinue") == "true"
    # The SCO asks to continue and terminates: its attempt is stored, the player moves on.
    frame.evaluate("() => window.scoNavigate('continue')")
    page.wait_for_url(f"{scorm_server}/scorm/scos/{two.id}", timeout=10000)
    assert sco_frame(page).locator("h1").inner_text() == "Two"
    first = wait_for(lambda: db.session.execute(db.select(ScormAttempt).where(ScormAttempt.sco_id == one.id)).scalar())
    assert (first.completion_status, first.finished) == ("completed", True)
    # The player's own controls: previous, next and the table of contents, at 390 px too.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator("#scorm-previous").is_visible() and page.locator("#scorm-next").is_visible()
    page.locator("#scorm-toc summary").click()
    page.screenshot(path=screenshots / "navigation-en-390.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#scorm-toc").get_by_role("link", name="Three").click()
    page.wait_for_url(f"{scorm_server}/scorm/scos/{three.id}", timeout=10000)
    # A choice request from the SCO itself.
    sco_frame(page).evaluate("() => window.scoNavigate('{target=a}choice')")
    page.wait_for_url(f"{scorm_server}/scorm/scos/{one.id}", timeout=10000)
