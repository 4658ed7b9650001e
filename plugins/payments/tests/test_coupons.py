"""Coupons: a discount at checkout, limits that hold when learners race for the last use."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from lms_core import ServiceError, db
from lms_core.models import utcnow
from lms_payments import coupons
from lms_payments.models import Coupon, CouponRedemption


def make(code="SPRING25", **fields):
    coupon = Coupon(code=code, kind=fields.pop("kind", "percent"), used_count=0, active=True, **fields)
    if coupon.kind == "percent" and coupon.percent is None:
        coupon.percent = 25
    db.session.add(coupon)
    db.session.commit()
    return coupon


def test_a_percentage_coupon_lowers_the_price_at_checkout(shop, client, fake_stripe):
    course = shop.course(amount=200000)
    student = shop.student()
    make()
    client.post(f"/courses/{course.slug}/enrol")

    page = client.post(f"/payments/courses/{course.id}/checkout", data={"coupon": "spring25", "action": "apply"})

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Discount (SPRING25)" in html and "1,500.00" in html
    shop.pay_with(course, "stripe", coupon="spring25")
    order = shop.order_of(student)
    assert (order.list_amount, order.discount, order.total) == (200000, 50000, 150000)
    assert (
        fake_stripe.calls("POST", "/v1/checkout/sessions")[0].form["line_items[0][price_data][unit_amount]"] == "150000"
    )


def test_coupons_that_do_not_apply_are_explained_at_the_field(shop, client):
    course = shop.course(currency="EUR", amount=5000)
    other = shop.course(title="Other")
    shop.student(locale="ru")
    make("OTHER10", course_id=other.id)
    make("OLD", valid_until=utcnow() - timedelta(days=1))
    make("FIVEUSD", kind="fixed", amount=500, currency="USD")
    client.post(f"/courses/{course.slug}/enrol")

    answers = {
        code: client.post(
            f"/payments/courses/{course.id}/checkout", data={"coupon": code, "currency": "EUR", "action": "apply"}
        ).get_data(as_text=True)
        for code in ("OTHER10", "OLD", "FIVEUSD", "NOPE")
    }

    assert "Этот купон — для другого курса." in answers["OTHER10"]
    assert "Этот купон сейчас не действует." in answers["OLD"]
    assert "Этот купон — для цен в USD." in answers["FIVEUSD"]
    assert "Неизвестный купон." in answers["NOPE"]


def test_two_learners_racing_for_the_last_use_cannot_both_take_it(shop, app, factory):
    from lms_payments.models import Order

    course = shop.course()
    coupon = make("LAST", max_uses=1)
    learners = [factory.user() for _ in range(2)]
    results = []

    def take(user_id):
        with app.app_context():
            order = Order(
                public_id=f"race{user_id}",
                user_id=user_id,
                course_id=course.id,
                course_title="x",
                buyer_name="x",
                buyer_email="x@example.org",
                currency="RUB",
                list_amount=1,
                total=1,
                provider="stripe",
                idempotency_key=f"race-{user_id}",
                expires_at=utcnow(),
            )
            db.session.add(order)
            db.session.flush()
            try:
                coupons.take(db.session.get(Coupon, coupon.id), order, user_id)
                db.session.commit()
                results.append("taken")
            except ServiceError as exc:
                db.session.rollback()
                results.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(u.id,)) for u in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(results) == ["coupon_used_up", "taken"]
    db.session.expire_all()
    assert db.session.get(Coupon, coupon.id).used_count == 1
    assert db.session.execute(db.select(db.func.count(CouponRedemption.id))).scalar_one() == 1


def test_a_learner_uses_a_coupon_only_as_often_as_allowed(shop, client, fake_stripe):
    first, second = shop.course(title="One"), shop.course(title="Two")
    shop.student()
    make("ONCE", max_uses_per_user=1)
    shop.pay_with(first, "stripe", coupon="ONCE")

    client.post(f"/courses/{second.slug}/enrol")
    page = client.post(f"/payments/courses/{second.id}/checkout", data={"coupon": "ONCE", "action": "apply"})

    assert "You have already used this coupon." in page.get_data(as_text=True)


def test_a_failed_order_gives_its_coupon_use_back(shop, client, app):
    app.config["PAYMENTS_STRIPE_SECRET_KEY"] = "sk_test_revoked"
    course = shop.course()
    student = shop.student()
    coupon = make("BACK", max_uses=1)

    shop.pay_with(course, "stripe", coupon="BACK")

    assert shop.order_of(student).status == "failed"
    db.session.expire_all()
    assert db.session.get(Coupon, coupon.id).used_count == 0


def test_a_hundred_percent_coupon_enrols_without_any_provider(shop, client, fake_stripe, enrolments_seen):
    course = shop.course()
    student = shop.student()
    make("FREE", percent=100)

    response = shop.pay_with(course, "stripe", coupon="FREE")

    assert response.status_code == 303 and response.headers["Location"].endswith(f"/courses/{course.slug}")
    assert shop.enrollment(student, course).status == "active"
    assert shop.order_of(student).status == "paid" and shop.order_of(student).total == 0
    assert fake_stripe.requests == [] and enrolments_seen == [(student.id, course.id)]


@pytest.mark.parametrize(
    "values, field",
    [
        ({"code": "x", "kind": "percent", "percent": "10"}, "code"),
        ({"code": "OK10", "kind": "percent", "percent": "101"}, "percent"),
        ({"code": "OK10", "kind": "percent", "percent": "١٠"}, "percent"),
        ({"code": "OK10", "kind": "fixed", "amount": "NaN", "currency": "RUB"}, "amount"),
        ({"code": "OK10", "kind": "percent", "percent": "10", "max_uses": "99999999999999999999"}, "max_uses"),
        ({"code": "OK10", "kind": "percent", "percent": "10", "course_id": "999999"}, "course_id"),
    ],
)
def test_an_admin_gets_a_message_at_the_field_for_a_bad_coupon(client, factory, login, values, field):
    login(client, factory.user(role="admin"))
    response = client.post("/payments/admin/coupons", data=values)
    assert response.status_code == 400
    assert f'id="error-{field}"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar_one() == 0
