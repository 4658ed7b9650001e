"""In the browser: a teacher turns on two-factor log-in (QR code, recovery codes) and
then logs in with a code; the pages in English and Russian, on a desktop and a phone.
Screenshots are kept as the run's artefacts (the ``screenshots`` fixture)."""

import re
import time

import pyotp
import pytest

from lms_core.testing import PASSWORD, browser_login

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def shots(screenshots):
    folder = screenshots

    def take(page, name):
        for label, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

    return take


def test_a_teacher_turns_on_two_factor_and_logs_in_with_a_code(live_server, browser_page, factory, shots):
    teacher = factory.user(role="teacher", email="tanya@example.org", name="Tanya Teacher")
    page = browser_page
    browser_login(page, live_server, teacher)
    page.goto(live_server + "/account")
    page.click("#two-factor a")
    page.click("#two-factor-off button[type=submit]")

    qr = page.locator("#two-factor-setup img.qr")
    qr.wait_for()
    loaded = page.evaluate(
        "img => new Promise(done => { const seen = () => done([img.complete, img.naturalWidth]);"
        " if (img.complete) { seen(); } else { img.addEventListener('load', seen);"
        " img.addEventListener('error', seen); } })",
        qr.element_handle(),
    )
    assert loaded[0] and loaded[1] > 100, loaded
    shots(page, "two-factor-setup-en")
    secret = page.inner_text("#totp-secret").strip()
    page.fill("input[name='code-code']", "000000")
    page.click("#two-factor-setup button[type=submit]")
    assert "This code is not right" in page.inner_text(".field-error")
    page.fill("input[name='code-code']", pyotp.TOTP(secret).now())
    page.click("#two-factor-setup button[type=submit]")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    shots(page, "two-factor-recovery-codes-en")

    page.click("header form button[type=submit]")  # log out
    page.goto(live_server + "/login")
    page.fill("input[name=email]", teacher.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server + "/login/code")
    shots(page, "two-factor-login-en")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))  # the current one was used
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server + "/dashboard")


def test_the_account_pages_in_russian(live_server, browser_page, factory, shots):
    student = factory.user(locale="ru", name="Вера Ученица")
    page = browser_page
    browser_login(page, live_server, student)
    page.goto(live_server + "/account")
    assert "Где выполнен вход" in page.inner_text("#sessions")
    shots(page, "account-ru")
    page.goto(live_server + "/account/two-factor")
    page.click("#two-factor-off button[type=submit]")
    page.locator("#two-factor-setup img.qr").wait_for()
    assert "приложение-аутентификатор" in page.inner_text("#two-factor-setup")
    shots(page, "two-factor-setup-ru")
    page.click("header form button[type=submit]")
    page.goto(live_server + "/password/forgot")
    page.fill("input[name=email]", student.email)
    page.click("main form button[type=submit]")
    assert "Проверьте почту" in page.inner_text("#check-mail")
    shots(page, "forgot-sent-ru")
