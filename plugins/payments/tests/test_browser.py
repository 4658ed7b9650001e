"""The whole purchase in Chromium: enrol, checkout, the provider's page, back, access."""

from __future__ import annotations


import pytest

from lms_core.testing import browser_login

pytestmark = pytest.mark.browser

SETTINGS = (
    "PAYMENTS_STRIPE_SECRET_KEY",
    "PAYMENTS_STRIPE_WEBHOOK_SECRET",
    "PAYMENTS_STRIPE_API_BASE",
    "PAYMENTS_YOOKASSA_SHOP_ID",
    "PAYMENTS_YOOKASSA_SECRET_KEY",
    "PAYMENTS_YOOKASSA_API_BASE",
)


@pytest.fixture
def shop_server(request, monkeypatch, lms_config, fake_stripe):
    """The real server, configured through the environment as a deployment is."""
    for name in SETTINGS:
        monkeypatch.setenv(name, str(lms_config[name]))
    base_url = request.getfixturevalue("live_server")
    fake_stripe.webhook_url = base_url + "/payments/webhooks/stripe"
    return base_url


def test_a_learner_buys_a_course_through_stripe_in_the_browser(
    shop, factory, shop_server, browser_page, screenshots, fake_stripe
):
    course = shop.course(amount=249000, title="Data analysis")
    student = factory.user(name="Anna Petrova")
    page, shots = browser_page, screenshots

    browser_login(page, shop_server, student)
    page.goto(f"{shop_server}/courses/{course.slug}")
    assert "2,490.00" in page.locator("#course-price").inner_text()
    page.click("#enrol")
    page.wait_for_url(f"{shop_server}/payments/courses/{course.id}/checkout")
    assert "2,490.00" in page.locator("#total").inner_text()
    page.screenshot(path=shots / "checkout-en-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=shots / "checkout-en-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    page.set_viewport_size({"width": 1280, "height": 800})

    page.click("#pay")
    page.wait_for_url(f"{fake_stripe.base}/pay/**")
    page.click("#provider-pay")  # on the provider's page
    page.wait_for_url(f"{shop_server}/courses/{course.slug}")

    assert "Payment received. You are enrolled." in page.locator(".flash").inner_text()
    assert page.locator(".outline a", has_text="Welcome").count() == 1  # the lesson opens now
    page.screenshot(path=shots / "enrolled-en-1280.png", full_page=True)
    assert shop.enrollment(student, course).status == "active"
    assert shop.order_of(student).status == "paid"


def test_the_checkout_speaks_russian_with_roubles_formatted_the_russian_way(
    shop, factory, shop_server, browser_page, screenshots
):
    course = shop.course(amount=249000, title="Анализ данных")
    student = factory.user(name="Анна Петрова", locale="ru")
    page, shots = browser_page, screenshots

    browser_login(page, shop_server, student)
    page.goto(f"{shop_server}/payments/courses/{course.id}/checkout")

    assert page.locator("h1").inner_text() == "Оплата"
    assert "2 490,00 ₽" in page.locator("#total").inner_text().replace("\xa0", " ").replace("\u202f", " ")
    assert "Оплатить" in page.locator("#pay").inner_text()
    page.fill("#coupon", "NOPE")
    page.click("#apply-coupon")
    assert page.locator("#error-coupon").inner_text() == "Неизвестный купон."
    page.screenshot(path=shots / "checkout-ru-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=shots / "checkout-ru-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
