"""Fixtures for the payments plugin's tests: the app runs with this plugin only, and
Stripe and YooKassa are local servers answering like them (tests/providers_fake.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lms_core import db
from lms_core.models import Enrollment

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode adds no test folder to the path
from providers_fake import FakeStripe, FakeYooKassa  # noqa: E402


@pytest.fixture
def fake_stripe():
    with FakeStripe() as server:
        yield server


@pytest.fixture
def fake_yookassa():
    with FakeYooKassa() as server:
        yield server


@pytest.fixture
def lms_config(request, fake_stripe, fake_yookassa):
    settings = {
        "LMS_PLUGINS": "payments",
        "PAYMENTS_STRIPE_SECRET_KEY": fake_stripe.secret_key,
        "PAYMENTS_STRIPE_WEBHOOK_SECRET": fake_stripe.webhook_secret,
        "PAYMENTS_STRIPE_API_BASE": fake_stripe.base,
        "PAYMENTS_YOOKASSA_SHOP_ID": fake_yookassa.shop_id,
        "PAYMENTS_YOOKASSA_SECRET_KEY": fake_yookassa.secret_key,
        "PAYMENTS_YOOKASSA_API_BASE": fake_yookassa.base + "/v3",
        "PAYMENTS_PROVIDER_TIMEOUT": 3,
        "PAYMENTS_SELLER_NAME": "ООО «Учебный центр»",
        "PAYMENTS_SELLER_DETAILS": "Москва, ул. Тверская, 1\nИНН 7700000000",
        "PAYMENTS_BANK_DETAILS": "Bank: Example Bank\nIBAN: DE89 3704 0044 0532 0130 00",
    }
    for marker in reversed(list(request.node.iter_markers("lms_config"))):
        settings.update(marker.kwargs)
    return settings


@pytest.fixture
def client(app, run_jobs):
    """Flask's test client. With Redis, the rq jobs that a request queued run right
    after it (as a worker would), so the stories read the same on both set-ups."""
    import threading

    from flask.testing import FlaskClient

    class WorkingClient(FlaskClient):
        def open(self, *args, **kwargs):
            response = super().open(*args, **kwargs)
            if threading.current_thread() is threading.main_thread():  # rq's worker needs the main thread
                run_jobs()
            return response

    app.test_client_class = WorkingClient
    return app.test_client()


class Shop:
    """A paid course and the steps of buying it, for the stories in the tests."""

    def __init__(self, app, factory, client, login):
        self.app, self.factory, self.client, self.login = app, factory, client, login

    def course(self, amount=199000, currency="RUB", title="Python for analysts", **price):
        from lms_payments import pricing

        course = self.factory.course(title=title)
        self.factory.lesson(course, title="Welcome")
        pricing.set_price(course.id, currency, amount, **price)
        return course

    def student(self, **fields):
        student = self.factory.user(**fields)
        self.login(self.client, student)
        return student

    def pay_with(self, course, provider, currency="RUB", coupon=""):
        """Enrol and submit the checkout; returns the response (a redirect to pay)."""
        self.client.post(f"/courses/{course.slug}/enrol")
        return self.client.post(
            f"/payments/courses/{course.id}/checkout",
            data={"currency": currency, "provider": provider, "coupon": coupon, "action": "pay"},
        )

    @staticmethod
    def enrollment(user, course):
        db.session.expire_all()
        return db.session.execute(
            db.select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
        ).scalar_one_or_none()

    @staticmethod
    def order_of(user):
        from lms_payments.models import Order

        db.session.expire_all()
        return (
            db.session.execute(db.select(Order).where(Order.user_id == user.id).order_by(Order.id.desc()))
            .scalars()
            .first()
        )


@pytest.fixture
def shop(app, factory, client, login):
    return Shop(app, factory, client, login)


@pytest.fixture
def enrolments_seen(app):
    """The ``on_enrolled`` events delivered, as (user id, course id)."""
    import types

    from lms_core import hookimpl

    seen = []

    @hookimpl
    def on_enrolled(user, course, enrollment):
        seen.append((user.id, course.id))

    module = types.ModuleType("enrolment_watcher")
    module.on_enrolled = on_enrolled
    app.extensions["lms_plugins"].register(module, name="enrolment_watcher")
    return seen
