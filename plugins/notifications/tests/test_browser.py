"""The notification settings page in headless Chromium against the real server, in
English and Russian, wide and narrow (screenshots kept as the
run's artefacts)."""

import pytest

from lms_core import db
from lms_core.testing import browser_login
from lms_core.testing import choose_language

pytestmark = pytest.mark.browser

TOMORROW = "notifications.course_starts_tomorrow"


def test_a_learner_chooses_a_digest_and_quiet_hours_in_the_browser(live_server, browser_page, factory, screenshots):
    from lms_notifications import preferences

    learner = factory.user(name="Ann Lee")
    page = browser_page
    browser_login(page, live_server, learner)
    page.goto(f"{live_server}/account")
    page.click("#account-links a:has-text('Notification settings')")
    page.wait_for_selector("#preferences-form")
    page.select_option(f"select[id='{TOMORROW}:email']", "daily")
    page.click("#preferences-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "Your notification settings were saved." in page.inner_text(".flash-success")
    page.fill("#quiet_start", "22:00")
    page.fill("#quiet_end", "07:30")
    page.click("#quiet button[type=submit]")
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert preferences.explicit(learner.id) == {(TOMORROW, "email"): "daily"}
    profile = preferences.profile_of(learner.id)
    assert (profile.quiet_start, profile.quiet_end) == ("22:00", "07:30")
    # The opt-in button appears once the service worker is registered (static/sw.js).
    page.wait_for_selector("#push-toggle:not([hidden])")
    assert page.inner_text("#push-toggle") == "Turn on in this browser"

    folder = screenshots
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(folder / "notifications-preferences-en-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(folder / "notifications-preferences-en-390.png"), full_page=True)

    choose_language(page, "ru")
    page.wait_for_selector("h1:has-text('Настройки уведомлений')")
    assert page.input_value(f"select[id='{TOMORROW}:email']") == "daily"
    assert "Сводка за день" in page.inner_text(f"tr[id='scenario-{TOMORROW}']")
    page.screenshot(path=str(folder / "notifications-preferences-ru-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(folder / "notifications-preferences-ru-1280.png"), full_page=True)


def test_the_admin_previews_a_template_and_follows_an_announcement(
    live_server, browser_page, factory, screenshots, run_jobs
):
    admin = factory.user(role="admin", name="Grace Admin")
    for _ in range(3):
        factory.user()
    page = browser_page
    browser_login(page, live_server, admin)
    folder = screenshots
    page.goto(f"{live_server}/notifications/admin/scenarios/{TOMORROW}")
    page.fill("#tpl-subject", "Soon: {{ course|upper }}")
    page.click("button[value=preview]")
    page.wait_for_selector("#preview-subject:has-text('Soon: PYTHON 101')")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(folder / "notifications-template-en-1280.png"), full_page=True)

    page.goto(f"{live_server}/notifications/admin/announcements")
    page.select_option("#audience", "student")
    page.fill("#subject", "Maintenance tonight")
    page.fill("#body", "The site is down from 22:00 to 23:00.")
    page.click("#announcement-form button[type=submit]")
    page.wait_for_selector("#announcement-report")
    run_jobs()  # with Redis, the batches wait for a worker; the page follows them
    page.wait_for_selector("[data-field=state]:has-text('finished')")
    assert page.inner_text("[data-field=handled]") == "3"
    page.screenshot(path=str(folder / "notifications-announcement-en-1280.png"), full_page=True)
    choose_language(page, "ru")
    page.wait_for_selector("[data-field=state]:has-text('завершено')")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(folder / "notifications-announcement-ru-390.png"), full_page=True)
    page.goto(f"{live_server}/notifications/admin")
    page.screenshot(path=str(folder / "notifications-channels-ru-390.png"), full_page=True)
