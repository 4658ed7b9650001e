"""The admin's orders, and the sweep that repairs what a lost webhook or a crash left."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from lms_core import db
from lms_core.models import Enrollment, utcnow
from lms_payments import jobs
from lms_payments.models import Order


def test_an_admin_filters_orders_sees_totals_and_exports_them(shop, client, fake_stripe, factory, login):
    course = shop.course(amount=150000, title="Статистика")
    buyers = []
    for name in ("Анна", "Борис"):
        student = shop.student(name=name)
        shop.pay_with(course, "invoice")
        buyers.append(shop.order_of(student))
    admin = factory.user(role="admin")
    login(client, admin)
    client.post(f"/payments/admin/orders/{buyers[0].public_id}", data={"action": "mark_paid"})

    paid = client.get("/payments/admin/orders?status=paid").get_data(as_text=True)
    everything = client.get("/payments/admin/orders").get_data(as_text=True)

    assert buyers[0].number in paid and buyers[1].number not in paid
    assert buyers[0].number in everything and buyers[1].number in everything
    assert "Totals per course" in everything and "1,500.00" in everything
    exported = client.get("/payments/admin/orders?format=csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["buyer_name"], r["status"], r["total"]) for r in rows] == [
        ("Анна", "paid", "1500.00"),
        ("Борис", "pending", "1500.00"),
    ]
    bad = client.get("/payments/admin/orders?since=yesterday&course_id=٣")
    assert bad.status_code == 200 and "A date (YYYY-MM-DD)." in bad.get_data(as_text=True)


def test_only_admins_see_the_orders(client, factory, login):
    login(client, factory.user(role="teacher"))
    assert client.get("/payments/admin/orders").status_code == 403
    assert client.get("/payments/admin/coupons").status_code == 403


def test_the_sweep_confirms_a_payment_whose_webhook_was_lost(shop, client, fake_stripe, app):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    fake_stripe.pay(order.provider_ref)  # paid at Stripe; the webhook never came
    db.session.execute(db.update(Order).values(created_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()

    jobs.reconcile_sweep()

    assert shop.order_of(student).status == "paid"
    assert shop.enrollment(student, course).status == "active"


def test_the_sweep_expires_abandoned_orders_and_closes_them_at_stripe(shop, client, fake_stripe, run_jobs):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "stripe")
    order = shop.order_of(student)
    db.session.execute(
        db.update(Order).values(created_at=utcnow() - timedelta(days=2), expires_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()

    jobs.reconcile_sweep()
    run_jobs()

    assert shop.order_of(student).status == "expired"
    assert fake_stripe.sessions[order.provider_ref]["status"] == "expired"


def test_the_sweep_enrols_a_paid_learner_left_without_access(shop, client, fake_stripe):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "invoice")
    order = shop.order_of(student)
    # a crash between recording the payment and enrolling
    db.session.execute(db.update(Order).values(status="paid", paid_at=utcnow()))
    db.session.commit()
    assert shop.enrollment(student, course).status == "pending"

    jobs.reconcile_sweep()

    assert shop.enrollment(student, course).status == "active"
    assert db.session.execute(db.select(db.func.count(Enrollment.id))).scalar_one() == 1
    assert order.id
