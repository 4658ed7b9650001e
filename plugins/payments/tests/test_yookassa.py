"""Paying with YooKassa: every call carries our idempotence key, and a notification
is only believed once YooKassa's API confirms it."""

from __future__ import annotations

import base64

from lms_core import db
from lms_payments.models import ProviderEvent


def notify_lms(client, fake, event, payment):
    return client.post("/payments/webhooks/yookassa", json=fake.notification(event, payment))


def test_a_learner_pays_through_yookassa_and_is_enrolled(shop, client, fake_yookassa, enrolments_seen):
    course = shop.course(amount=199050)
    student = shop.student()

    response = shop.pay_with(course, "yookassa")

    order = shop.order_of(student)
    assert (
        response.status_code == 303
        and response.headers["Location"] == f"{fake_yookassa.base}/checkout/{order.provider_ref}"
    )
    [created] = fake_yookassa.calls("POST", "/v3/payments")
    import json

    body = json.loads(created.body)
    assert body["amount"] == {"value": "1990.50", "currency": "RUB"}
    assert body["capture"] is True and body["confirmation"]["type"] == "redirect"
    assert body["confirmation"]["return_url"].endswith(f"/payments/orders/{order.public_id}/return")
    assert body["metadata"] == {"order": order.public_id}
    assert created.headers["Idempotence-Key"] == f"checkout-{order.idempotency_key}"
    assert created.headers["Authorization"] == "Basic " + base64.b64encode(b"123456:test_local_secret").decode()

    payment = fake_yookassa.pay(order.provider_ref)
    answer = notify_lms(client, fake_yookassa, "payment.succeeded", payment)

    assert answer.status_code == 200
    assert shop.enrollment(student, course).status == "active"
    assert fake_yookassa.calls("GET", f"/v3/payments/{order.provider_ref}")  # confirmed at the source
    assert enrolments_seen == [(student.id, course.id)]
    assert notify_lms(client, fake_yookassa, "payment.succeeded", payment).json["duplicate"] is True


def test_a_forged_notification_gives_no_access(shop, client, fake_yookassa):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "yookassa")
    order = shop.order_of(student)
    unpaid = dict(fake_yookassa.payments[order.provider_ref], status="succeeded", paid=True)  # a lie

    answer = notify_lms(client, fake_yookassa, "payment.succeeded", unpaid)

    assert answer.status_code == 200  # accepted and checked: YooKassa says it is still pending
    assert shop.enrollment(student, course).status == "pending"
    assert shop.order_of(student).status == "pending"


def test_a_forgery_sent_early_does_not_swallow_yookassas_real_notification(shop, client, fake_yookassa):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "yookassa")
    order = shop.order_of(student)
    early = dict(fake_yookassa.payments[order.provider_ref], status="succeeded")
    notify_lms(client, fake_yookassa, "payment.succeeded", early)  # somebody knew the payment id
    assert shop.enrollment(student, course).status == "pending"

    real = notify_lms(client, fake_yookassa, "payment.succeeded", fake_yookassa.pay(order.provider_ref))

    assert real.json["duplicate"] is True  # the same key as the forgery ...
    assert shop.enrollment(student, course).status == "active"  # ... but YooKassa was asked again


def test_malformed_notifications_are_refused(shop, client, fake_yookassa):
    shop.student()
    bad = [
        client.post("/payments/webhooks/yookassa", data="not json", content_type="application/json"),
        client.post(
            "/payments/webhooks/yookassa",
            json={"type": "notification", "event": "payment.stolen", "object": {"id": "x"}},
        ),
        client.post(
            "/payments/webhooks/yookassa",
            json={"type": "notification", "event": "payment.succeeded", "object": {"id": 12}},
        ),
        client.post("/payments/webhooks/yookassa", json=[1, 2]),
    ]
    assert [r.status_code for r in bad] == [400, 400, 400, 400]
    assert all(r.json["error"]["code"] == "rejected" for r in bad)
    assert db.session.execute(db.select(db.func.count(ProviderEvent.id))).scalar_one() == 0
    assert client.post("/payments/webhooks/nobody", json={}).status_code == 404


def test_a_refund_goes_through_yookassa_once_and_ends_access(shop, client, fake_yookassa, factory, login):
    course = shop.course(amount=100000)
    student = shop.student()
    shop.pay_with(course, "yookassa")
    order = shop.order_of(student)
    notify_lms(client, fake_yookassa, "payment.succeeded", fake_yookassa.pay(order.provider_ref))
    admin = factory.user(role="admin")
    login(client, admin)

    response = client.post(
        f"/payments/admin/orders/{order.public_id}",
        data={"action": "refund", "amount": "1000.00", "reason": "Changed my mind"},
    )

    assert response.status_code == 303
    [refund] = fake_yookassa.calls("POST", "/v3/refunds")
    import json

    assert json.loads(refund.body)["amount"] == {"value": "1000.00", "currency": "RUB"}
    assert refund.headers["Idempotence-Key"].startswith("refund-")
    assert shop.order_of(student).status == "refunded" and shop.order_of(student).refunded == 100000
    assert shop.enrollment(student, course).status == "pending"  # access ended, progress kept

    # YooKassa tells us about the refund too: counted once.
    [made] = fake_yookassa.refunds.values()
    notify_lms(client, fake_yookassa, "refund.succeeded", made)
    assert shop.order_of(student).refunded == 100000


def test_yookassa_down_at_checkout_leaves_the_order_open_to_retry(shop, client, fake_yookassa):
    course = shop.course()
    student = shop.student()
    fake_yookassa.down = True

    failed = shop.pay_with(course, "yookassa")

    assert failed.status_code == 503
    assert shop.order_of(student).status == "pending"
    fake_yookassa.down = False
    assert shop.pay_with(course, "yookassa").status_code == 303
    keys = [r.headers["Idempotence-Key"] for r in fake_yookassa.calls("POST", "/v3/payments")]
    assert len(keys) == 2 and len(set(keys)) == 1 and len(fake_yookassa.payments) == 1
