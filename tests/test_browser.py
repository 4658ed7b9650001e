"""End to end in a real headless Chromium against the real server (`lms run`)."""

import pytest

from lms_core.extensions import db
from lms_core.models import Enrollment, User
from lms_core.services import courses
from lms_core.services.notifications import notify, unread_count
from lms_core.testing import browser_login
from lms_core.testing import choose_language

pytestmark = pytest.mark.browser


def wait_until(page, expression: str, seconds: float = 15) -> None:
    """Poll ``expression`` in the page from here: Playwright's wait_for_function compiles
    its predicate in the page, which the site's Content-Security-Policy (no eval) forbids."""
    import time

    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {expression}"
        time.sleep(0.1)


def test_a_student_completes_a_course_in_the_browser_and_switches_to_russian(live_server, browser_page, factory):
    course = factory.course(title="Astronomy", summary="Look up.")
    courses.set_translation(course, course, "title", "ru", "Астрономия")
    db.session.commit()
    lesson = factory.lesson(course, title="Stars", body="Stars are **suns**:\n\n```python\nprint('far away')\n```")
    quiz = factory.quiz(
        course,
        title="Stars quiz",
        questions=[{"kind": "single", "text": "What is a star?", "choices": [("A sun", True), ("A planet", False)]}],
    )
    student = factory.user(name="Sam Student")
    page = browser_page

    browser_login(page, live_server, student)
    page.goto(f"{live_server}/courses/{course.slug}")
    page.click("#enrol")
    page.wait_for_selector("#progress")
    page.wait_for_selector(".flash-success:has-text('You are enrolled')")

    page.click(f"a[href='/lessons/{lesson.id}']")
    page.wait_for_selector("#lesson h1")
    assert page.inner_text("#lesson h1") == "Stars"
    assert page.inner_text(".lesson-body strong") == "suns"
    assert "print('far away')" in page.inner_text(".lesson-body pre code")

    page.click("#complete-lesson")  # the next item of the outline is the quiz
    page.wait_for_url(f"{live_server}/quizzes/{quiz.id}")
    page.click("#start-quiz")
    page.check("label:has-text('A sun') input")
    page.click("#submit-quiz")
    page.wait_for_selector("#quiz-passed")

    page.click("text=Back to the course")
    page.wait_for_selector("#course-completed")
    assert page.inner_text("h1") == "Astronomy"
    db.session.expire_all()
    enrollment = db.session.execute(db.select(Enrollment).where(Enrollment.user_id == student.id)).scalar_one()
    assert enrollment.status == "completed"

    choose_language(page, "ru")  # the switcher submits itself and comes back here
    assert page.url == f"{live_server}/courses/{course.slug}"
    assert page.inner_text("h1") == "Астрономия"
    assert page.inner_text(".usernav button.link") == "Выйти"
    assert page.locator("#course-completed").is_visible()

    page.goto(f"{live_server}/dashboard")  # remembered on the account, not only for one page
    page.wait_for_selector("html[lang='ru']")
    assert page.inner_text("main h2") == "Астрономия"
    db.session.expire_all()
    assert db.session.get(User, student.id).locale == "ru"


def test_the_inbox_badge_follows_reading_in_another_tab_live(live_server, browser_page, factory):
    student = factory.user()
    notify(student, "news", "The observatory opens on Friday")
    notify(student, "news", "Bring warm clothes")
    page = browser_page
    browser_login(page, live_server, student)

    unread = unread_count(student.id)
    assert unread >= 2
    badge = page.locator("#unread-count")
    assert badge.get_attribute("data-count") == str(unread)  # rendered by the server
    assert badge.inner_text() == str(unread)
    wait_until(page, "!!(window.lmsSocket && window.lmsSocket.connected)")
    page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads

    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server}/inbox")
    other_tab.click("text=Mark all as read")
    other_tab.wait_for_url(f"{live_server}/inbox")
    assert other_tab.locator("#unread-count").get_attribute("data-count") == "0"

    page.wait_for_selector("#unread-count[data-count='0']", state="attached")  # pushed over the WebSocket
    assert badge.inner_text() == ""
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_notification_from_another_process_reaches_the_open_page(app, live_server, browser_page, factory):
    if not app.config.get("REDIS_URL"):
        pytest.skip("only with REDIS_URL: without a message queue, no other process can push to a browser")
    student = factory.user()
    page = browser_page
    browser_login(page, live_server, student)
    page.goto(f"{live_server}/inbox")
    wait_until(page, "!!(window.lmsSocket && window.lmsSocket.connected)")
    assert page.locator("#inbox li:has-text('Your essay was graded')").count() == 0
    page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads

    # This test process plays the rq worker: it writes to the database and publishes
    # through Redis; the server relays the message to the student's socket.
    notify(student, "grade", "Your essay was graded")
    unread = unread_count(student.id)

    page.wait_for_selector(f"#unread-count[data-count='{unread}']")
    assert page.inner_text("#unread-count") == str(unread)
    page.wait_for_selector("#toast:not([hidden])")
    assert page.inner_text("#toast") == "Your essay was graded"
    assert page.inner_text("#inbox li.unread >> nth=0") == "Your essay was graded"
    assert page.evaluate("window.stillTheSamePage") is True


def test_an_admin_sees_an_event_a_plugin_gave_up_on_and_tries_it_again(live_server, browser_page, factory, screenshots):
    from lms_core.models import EventDelivery

    course = factory.course(title="Tides")
    quiz = factory.quiz(course)
    student = factory.user()
    factory.enrol(student, course)
    factory.attempt(student, quiz)
    # the hello plugin's delivery of on_quiz_passed failed for good (say, its table was locked)
    db.session.execute(
        db.update(EventDelivery)
        .where(EventDelivery.target == "hello")
        .values(delivered_at=None, given_up=True, attempts=6, last_error="OperationalError: database table is locked")
    )
    db.session.commit()
    page = browser_page
    browser_login(page, live_server, factory.user(role="admin"))

    page.goto(f"{live_server}/admin/plugins")
    row = page.locator("#plugin-hello .plugin-events")
    assert "1 given up" in row.inner_text() and "table is locked" in row.inner_text()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(screenshots / f"admin-plugins-events-en-{width}.png"), full_page=True)
    choose_language(page, "ru")
    page.wait_for_selector("#plugin-hello .events-given-up:has-text('Доставка прекращена')")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(screenshots / f"admin-plugins-events-ru-{width}.png"), full_page=True)

    page.click("#plugin-hello .plugin-events button")

    page.wait_for_selector(".flash-success")
    assert "hello" in page.inner_text(".flash-success")
    page.screenshot(path=str(screenshots / "admin-plugins-events-retried-ru-390.png"), full_page=True)
    db.session.expire_all()
    assert (
        db.session.execute(db.select(EventDelivery.delivered_at).where(EventDelivery.target == "hello")).scalar_one()
        is not None
    )
