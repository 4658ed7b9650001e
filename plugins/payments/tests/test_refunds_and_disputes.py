"""Money going back: refunds asked by an admin or made at Stripe, chargebacks, and
events that arrive out of order."""

from __future__ import annotations

import json

import pytest

from lms_core import db
from lms_payments.models import Refund


@pytest.fixture
def paid(shop, client, fake_stripe):
    """A learner who paid 1,000.00 RUB with Stripe for a course."""
    course = shop.course(amount=100000)
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    stripe_webhook(
        client, fake_stripe, fake_stripe.event("checkout.session.completed", fake_stripe.pay(order.provider_ref))
    )
    assert shop.enrollment(student, course).status == "active"
    return course, student, shop.order_of(student)


def stripe_webhook(client, fake, event):
    payload = json.dumps(event)
    response = client.post(
        "/payments/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": fake.sign(payload)},
    )
    assert response.status_code == 200
    return response


def test_a_partial_refund_keeps_access_and_a_full_one_ends_it(paid, shop, client, fake_stripe, factory, login):
    course, student, order = paid
    login(client, factory.user(role="admin"))

    client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "refund", "amount": "300"})

    order = shop.order_of(student)
    assert (order.status, order.refunded) == ("partially_refunded", 30000)
    assert shop.enrollment(student, course).status == "active"
    [first] = fake_stripe.calls("POST", "/v1/refunds")
    assert first.form["amount"] == "30000" and first.form["payment_intent"] == order.payment_ref
    assert first.headers["Idempotency-Key"].startswith("refund-")

    too_much = client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "refund", "amount": "800"})
    assert too_much.status_code == 400 and "At most what is left to refund." in too_much.get_data(as_text=True)

    client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "refund", "amount": "700"})

    order = shop.order_of(student)
    assert (order.status, order.refunded) == ("refunded", 100000)
    enrollment = shop.enrollment(student, course)
    assert enrollment.status == "pending" and enrollment.hold_reason == "Your payment was refunded."


def test_stripe_reporting_our_own_refund_counts_it_once(paid, shop, client, fake_stripe, factory, login):
    course, student, order = paid
    login(client, factory.user(role="admin"))
    client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "refund", "amount": "1000"})
    [refund] = fake_stripe.refunds.values()

    stripe_webhook(
        client,
        fake_stripe,
        fake_stripe.event(
            "charge.refunded",
            {"id": "ch_1", "object": "charge", "payment_intent": order.payment_ref, "amount_refunded": 100000},
        ),
    )
    stripe_webhook(client, fake_stripe, fake_stripe.event("refund.updated", refund))

    assert shop.order_of(student).refunded == 100000
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 1


def test_a_refund_made_in_stripes_dashboard_is_recorded(paid, shop, client, fake_stripe):
    course, student, order = paid
    intent = fake_stripe.intents[order.payment_ref]
    fake_stripe.make_refund(intent, 100000)  # by the shop owner, at Stripe

    stripe_webhook(
        client,
        fake_stripe,
        fake_stripe.event(
            "charge.refunded",
            {"id": "ch_1", "object": "charge", "payment_intent": order.payment_ref, "amount_refunded": 100000},
        ),
    )

    assert shop.order_of(student).status == "refunded"
    assert db.session.execute(db.select(Refund.source)).scalar_one() == "provider"
    assert shop.enrollment(student, course).status == "pending"


def test_a_chargeback_ends_access_and_a_won_dispute_restores_it(paid, shop, client, fake_stripe):
    course, student, order = paid
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": order.payment_ref,
        "amount": 100000,
        "status": "needs_response",
    }

    stripe_webhook(client, fake_stripe, fake_stripe.event("charge.dispute.created", dispute))

    assert shop.order_of(student).status == "disputed"
    assert shop.enrollment(student, course).status == "pending"

    stripe_webhook(client, fake_stripe, fake_stripe.event("charge.dispute.closed", dict(dispute, status="won")))

    assert shop.order_of(student).status == "paid"
    assert shop.enrollment(student, course).status == "active"


def test_a_refund_event_that_overtakes_the_payment_event_is_applied_in_order(shop, client, fake_stripe):
    course = shop.course(amount=100000)
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    session = fake_stripe.pay(order.provider_ref)
    refund = fake_stripe.make_refund(fake_stripe.intents[session["payment_intent"]], 100000)

    stripe_webhook(client, fake_stripe, fake_stripe.event("refund.created", refund))  # first to arrive
    stripe_webhook(client, fake_stripe, fake_stripe.event("checkout.session.completed", session))  # late

    order = shop.order_of(student)
    assert (order.status, order.refunded) == ("refunded", 100000)
    assert shop.enrollment(student, course).status == "pending"


@pytest.mark.lms_config(PAYMENTS_REFUND_KEEPS_PROGRESS=False)
def test_a_deployment_may_drop_progress_with_a_full_refund(paid, shop, client, fake_stripe, factory, login):
    from lms_core.models import Lesson, LessonCompletion
    from lms_core.services import progress

    course, student, order = paid
    lesson = db.session.execute(db.select(Lesson).where(Lesson.course_id == course.id)).scalars().first()
    progress.complete_lesson(student, lesson)
    login(client, factory.user(role="admin"))

    client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "refund", "amount": "1000"})

    assert shop.enrollment(student, course) is None
    assert db.session.execute(db.select(db.func.count(LessonCompletion.id))).scalar_one() == 0


def test_stripe_down_during_a_refund_keeps_it_pending_for_a_retry(paid, shop, client, fake_stripe, factory, login, app):
    from lms_payments import jobs

    course, student, order = paid
    login(client, factory.user(role="admin"))
    fake_stripe.down = True

    client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "refund", "amount": "1000"})

    db.session.expire_all()
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.status == "pending" and "Stripe did not answer" in refund.error
    assert shop.order_of(student).status == "paid"

    fake_stripe.down = False
    jobs.refund_job(refund.id)  # the retry (rq's, or the reconciliation sweep's)

    assert shop.order_of(student).status == "refunded"
    keys = {r.headers["Idempotency-Key"] for r in fake_stripe.calls("POST", "/v1/refunds")}
    assert keys == {f"refund-{refund.idempotency_key}"} and len(fake_stripe.refunds) == 1
