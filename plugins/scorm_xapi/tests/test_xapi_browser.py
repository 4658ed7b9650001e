"""The admin's xAPI pages in headless Chromium against the real server, in English and
Russian, wide and narrow (screenshots kept as the run's artefacts)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode adds no test folder to the path
from xapi_ralph import free_port  # noqa: E402

from lms_core import db  # noqa: E402
from lms_core.testing import browser_login  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.lms_config(SCORM_XAPI_READ_TIMEOUT=1.0)]


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_admin_reads_the_statement_log_and_fixes_the_lrs_settings_in_the_browser(
    live_server, browser_page, factory, screenshots, run_jobs
):
    from lms_scorm_xapi.xapi import settings
    from lms_scorm_xapi.xapi.models import Statement

    folder = screenshots
    admin = factory.user(role="admin", name="Ada Admin")
    dead = f"http://127.0.0.1:{free_port()}/xAPI/"
    settings.save({"endpoint": dead, "key": "k", "secret": "s", "version": "1.0.3", "actor": "account"})
    learner = factory.user(email="a-learner-with-a-rather-long-address@example.org")
    for title in ("Organic chemistry for beginners", "Safety in the laboratory"):
        factory.enrol(learner, factory.course(title=title))
    run_jobs()  # with Redis the sender's job waits on rq
    page = browser_page
    browser_login(page, live_server, admin)

    for language in ("en", "ru"):
        admin.locale = language
        db.session.commit()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server}/admin/xapi/statements")
        page.wait_for_selector("table.xapi-statements")
        text = page.inner_text("table.xapi-statements")
        assert "a-learner-with-a-rather-long-address@example.org" in text
        assert ("could not be reached" in text) and (
            ("failed, will be retried" in text) if language == "en" else ("не отправлено, будет повтор" in text)
        )
        page.screenshot(path=str(folder / f"xapi-statements-{language}-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        assert _no_sideways_scroll(page)
        page.screenshot(path=str(folder / f"xapi-statements-{language}-390.png"), full_page=True)

        page.goto(f"{live_server}/admin/xapi/settings")
        page.fill("#xapi-endpoint", "ftp://lrs.example.org/")
        page.click("button[name=test]")
        page.wait_for_selector("#endpoint-error")
        message = page.inner_text("#endpoint-error")
        assert message == (
            "Enter the LRS address as an http:// or https:// URL."
            if language == "en"
            else "Укажите адрес LRS в виде URL с http:// или https://."
        )
        assert _no_sideways_scroll(page)
        page.screenshot(path=str(folder / f"xapi-settings-{language}-390.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(folder / f"xapi-settings-{language}-1280.png"), full_page=True)
    db.session.expire_all()
    assert settings.lrs()["endpoint"] == dead  # the refused form changed nothing
    # "Try again" from the log
    page.goto(f"{live_server}/admin/xapi/statements?status=failed")
    page.check("input[name=statement]")
    page.click("button:has-text('Отправить выбранные снова')")
    page.wait_for_selector(".flash-success")
    run_jobs()
    db.session.expire_all()
    first = db.session.execute(db.select(Statement).order_by(Statement.order_key)).scalars().first()
    assert first.attempts == 1 and first.retried == 2  # tried again (and failed again: the LRS is still down)
