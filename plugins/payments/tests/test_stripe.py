"""Paying for a course with Stripe Checkout, told as the learner and the admin live it."""

from __future__ import annotations

import json
import time

from lms_core import db
from lms_payments.models import Order, ProviderEvent


def completed(fake, order, event_id=None):
    """Stripe's checkout.session.completed for the order, after the learner paid."""
    session = fake.pay(order.provider_ref)
    return fake.event("checkout.session.completed", session, event_id)


def post_webhook(client, fake, event, **sign):
    payload = json.dumps(event)
    return client.post(
        "/payments/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": fake.sign(payload, **sign)},
    )


def test_a_learner_pays_on_stripes_page_and_is_enrolled_once(shop, client, fake_stripe, enrolments_seen):
    course = shop.course(amount=199050)
    student = shop.student()

    enrol = client.post(f"/courses/{course.slug}/enrol")
    assert enrol.status_code == 303 and enrol.headers["Location"].endswith(f"/payments/courses/{course.id}/checkout")
    assert shop.enrollment(student, course).status == "pending"  # no access before the payment
    page = client.get(f"/payments/courses/{course.id}/checkout")
    assert "1,990.50" in page.get_data(as_text=True)

    response = shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    assert (
        response.status_code == 303 and response.headers["Location"] == f"{fake_stripe.base}/pay/{order.provider_ref}"
    )
    [created] = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert created.form["mode"] == "payment"
    assert created.form["line_items[0][price_data][unit_amount]"] == "199050"
    assert created.form["line_items[0][price_data][currency]"] == "rub"
    assert created.form["line_items[0][price_data][product_data][name]"] == "Python for analysts"
    assert created.form["client_reference_id"] == order.public_id
    assert created.headers["Idempotency-Key"] == f"checkout-{order.idempotency_key}"
    assert created.form["success_url"].endswith(f"/payments/orders/{order.public_id}/return")
    assert enrolments_seen == []

    event = completed(fake_stripe, order)
    assert post_webhook(client, fake_stripe, event).status_code == 200
    assert shop.enrollment(student, course).status == "active"
    assert shop.order_of(student).status == "paid"
    assert enrolments_seen == [(student.id, course.id)]

    # Stripe delivers the same event again (it retries until it sees a 2xx): nothing changes.
    again = post_webhook(client, fake_stripe, event)
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert enrolments_seen == [(student.id, course.id)]
    assert db.session.execute(db.select(db.func.count(ProviderEvent.id))).scalar_one() == 1
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Payment received for “Python for analysts”" in inbox
    # written in English, read in Russian after switching: the amount in Russian's number format
    client.post("/language", data={"language": "ru", "next": "/inbox"})
    [item] = [i for i in client.get("/api/v1/notifications").get_json()["items"] if i["kind"] == "payments.received"]
    assert item["title"] == "Оплата курса «Python for analysts» получена"
    assert "1\xa0990,50\xa0₽" in item["body"]


def test_a_webhook_without_a_valid_recent_signature_is_refused_and_changes_nothing(shop, client, fake_stripe):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    event = completed(fake_stripe, order)
    payload = json.dumps(event)

    forged = client.post(
        "/payments/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": fake_stripe.sign(payload, secrets=["whsec_someone_else"])},
    )
    unsigned = client.post("/payments/webhooks/stripe", data=payload, content_type="application/json")
    stale = post_webhook(client, fake_stripe, event, timestamp=int(time.time()) - 3600)
    tampered = client.post(
        "/payments/webhooks/stripe",
        data=payload.replace("paid", "PAID"),
        content_type="application/json",
        headers={"Stripe-Signature": fake_stripe.sign(payload)},
    )

    assert [r.status_code for r in (forged, unsigned, stale, tampered)] == [400, 400, 400, 400]
    assert db.session.execute(db.select(db.func.count(ProviderEvent.id))).scalar_one() == 0
    assert shop.order_of(student).status == "pending" and shop.enrollment(student, course).status == "pending"

    # While the endpoint secret is rolled, Stripe signs with the old and the new: one match is enough.
    rolled = post_webhook(client, fake_stripe, event, secrets=["whsec_old", fake_stripe.webhook_secret])
    assert rolled.status_code == 200 and shop.order_of(student).status == "paid"


def test_the_return_page_asks_stripe_when_the_webhook_is_late(shop, client, fake_stripe):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    fake_stripe.pay(order.provider_ref)  # paid, but no webhook has arrived

    back = client.get(f"/payments/orders/{order.public_id}/return")

    assert back.status_code == 303 and back.headers["Location"].endswith(f"/courses/{course.slug}")
    assert shop.enrollment(student, course).status == "active"
    assert fake_stripe.calls("GET", f"/v1/checkout/sessions/{order.provider_ref}")


def test_the_learners_word_alone_gives_no_access(shop, client, fake_stripe):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)

    back = client.get(f"/payments/orders/{order.public_id}/return")  # came back without paying

    assert back.headers["Location"].endswith(f"/payments/orders/{order.public_id}")
    assert shop.enrollment(student, course).status == "pending"


def test_stripe_down_at_checkout_charges_nothing_and_a_retry_continues_the_same_payment(shop, client, fake_stripe):
    course = shop.course()
    student = shop.student()
    fake_stripe.down = True

    failed = shop.pay_with(course, "stripe")

    assert failed.status_code == 503
    assert "The payment service is not answering. Nothing was charged" in failed.get_data(as_text=True)
    order = shop.order_of(student)
    assert order.status == "pending" and order.checkout_url is None and "Stripe did not answer" in order.error
    assert shop.enrollment(student, course).status == "pending"

    fake_stripe.down = False
    retried = shop.pay_with(course, "stripe")

    assert retried.status_code == 303
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 1
    keys = {r.headers["Idempotency-Key"] for r in fake_stripe.calls("POST", "/v1/checkout/sessions")}
    assert keys == {f"checkout-{order.idempotency_key}"}  # one key for every try: one payment at most
    assert len(fake_stripe.sessions) == 1


def test_a_refused_secret_key_fails_the_order_with_a_clear_message(shop, client, fake_stripe, app):
    app.config["PAYMENTS_STRIPE_SECRET_KEY"] = "sk_test_revoked"
    course = shop.course()
    student = shop.student()

    response = shop.pay_with(course, "stripe")

    assert response.status_code == 502
    assert "The payment service refused this payment. Nothing was charged." in response.get_data(as_text=True)
    order = shop.order_of(student)
    assert order.status == "failed" and "authentication failed" in order.error
    assert "sk_test_revoked" not in order.error


def test_a_double_click_on_pay_starts_one_payment(shop, client, fake_stripe):
    course = shop.course()
    student = shop.student()
    first = shop.pay_with(course, "stripe")
    second = shop.pay_with(course, "stripe")

    assert first.headers["Location"] == second.headers["Location"]
    assert len(fake_stripe.sessions) == 1 and shop.order_of(student).status == "pending"


def test_concurrent_webhooks_for_one_order_enrol_once(shop, client, fake_stripe, app, enrolments_seen, run_jobs):
    import threading

    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    session = fake_stripe.pay(order.provider_ref)
    events = [
        fake_stripe.event("checkout.session.completed", session),
        fake_stripe.event("checkout.session.async_payment_succeeded", session),
        fake_stripe.event("checkout.session.completed", session),
    ]
    answers = []

    def deliver(event):
        with app.test_client() as other:
            answers.append(post_webhook(other, fake_stripe, event).status_code)

    threads = [threading.Thread(target=deliver, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    run_jobs()

    assert answers == [200, 200, 200]
    assert enrolments_seen == [(student.id, course.id)]
    assert shop.order_of(student).status == "paid"


def test_a_payment_after_the_order_expired_is_honoured(shop, client, fake_stripe):
    from lms_payments import orders

    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    orders.move(order, "expired")

    post_webhook(client, fake_stripe, completed(fake_stripe, order))

    assert shop.order_of(student).status == "paid"
    assert shop.enrollment(student, course).status == "active"  # the money was taken: the learner is in


def test_a_second_payment_for_a_course_already_paid_is_refunded(shop, client, fake_stripe):
    from lms_payments import orders

    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    first = shop.order_of(student)
    orders.cancel(first, "replaced")  # the learner started over ...
    shop.pay_with(course, "stripe")
    second = shop.order_of(student)
    post_webhook(client, fake_stripe, completed(fake_stripe, second))
    # ... and the first, abandoned checkout is paid too (in another tab, say)
    post_webhook(client, fake_stripe, completed(fake_stripe, first))

    db.session.expire_all()
    assert db.session.get(Order, second.id).status == "paid"
    assert db.session.get(Order, first.id).status == "refunded"
    [refund] = fake_stripe.calls("POST", "/v1/refunds")
    assert refund.form["payment_intent"] == db.session.get(Order, first.id).payment_ref
    assert shop.enrollment(student, course).status == "active"
