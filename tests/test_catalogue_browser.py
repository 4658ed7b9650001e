"""A Russian learner on a phone (390 px) searches the catalogue without sideways
scrolling, filters it by language, and sees what is coming up on the dashboard;
screenshots kept as the run's artefacts (the ``screenshots`` fixture)."""

from datetime import datetime, timedelta, timezone

import pytest

from lms_core.services import courses
from lms_core.testing import browser_login
from tests.test_catalogue import picture

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_russian_learner_on_a_phone_searches_the_catalogue_and_sees_what_is_due(
    live_server, _lms_browser, factory, screenshots
):
    teacher = factory.user(role="teacher", name="Мария Кюри")
    rocks = factory.course(teacher=teacher, title="Rocks and minerals", summary="Granite and a very long summary " * 6)
    factory.translate(rocks, rocks, "title", "ru", "Камни и минералы")
    factory.translate(rocks, rocks, "summary", "ru", "Гранит, базальт и кварц.")
    courses.set_course_image(rocks, picture("JPEG", (1200, 800)))
    factory.course(teacher=teacher, title="Птицы", default_language="ru", summary="Перья.")
    factory.course(teacher=teacher, title="Astronomy", summary="Stars.")
    courses.course_changed()
    quiz = factory.quiz(rocks, title="Quartz quiz", due_at=datetime.now(timezone.utc) + timedelta(days=2))
    factory.translate(rocks, quiz, "title", "ru", "Тест о кварце")
    student = factory.user(name="Саша", locale="ru", timezone="Europe/Moscow")
    factory.enrol(student, rocks)

    shots = screenshots
    context = _lms_browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        browser_login(page, live_server, student)
        page.goto(f"{live_server}/")
        page.fill("#catalogue-q", "КВАРЦ")
        page.press("#catalogue-q", "Enter")
        page.wait_for_url("**/?q=*")
        titles = page.locator(".course-card h2").all_inner_texts()
        assert titles == ["Камни и минералы"]
        card = page.locator(".course-card").first
        assert "Преподаватель: Мария Кюри" in card.inner_text()
        assert page.locator(".course-card img.course-image").evaluate("img => img.complete && img.naturalWidth") > 0
        assert no_sideways_scroll(page)
        page.screenshot(path=str(shots / "catalogue-search-ru-390.png"), full_page=True)

        page.fill("#catalogue-q", "")
        page.select_option("#catalogue-language", "ru")
        page.click("#catalogue-search button[type=submit]")
        page.wait_for_url("**language=ru*")
        assert sorted(page.locator(".course-card h2").all_inner_texts()) == ["Камни и минералы", "Птицы"]
        assert no_sideways_scroll(page)

        page.goto(f"{live_server}/dashboard")
        coming = page.locator("#upcoming-deadlines")
        assert "Скоро" in coming.inner_text() and "Тест о кварце" in coming.inner_text()
        assert "(Europe/Moscow)" in coming.inner_text()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(shots / "dashboard-ru-390.png"), full_page=True)
    finally:
        context.close()
