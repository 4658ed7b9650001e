"""Bank transfer: an invoice the learner pays at their bank, an admin who marks it
paid, and a receipt in the learner's language."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_an_invoice_paid_by_transfer_enrols_the_learner_when_an_admin_marks_it(shop, client, factory, login):
    course = shop.course(amount=199050, title="Анализ данных")
    student = shop.student(name="Мария Иванова", locale="ru")

    response = shop.pay_with(course, "invoice")

    order = shop.order_of(student)
    assert response.headers["Location"].endswith(f"/payments/orders/{order.public_id}")
    page = client.get(f"/payments/orders/{order.public_id}").get_data(as_text=True)
    assert "Скачать счёт (PDF)" in page
    invoice = client.get(f"/payments/orders/{order.public_id}/invoice.pdf")
    assert invoice.mimetype == "application/pdf"
    text = pdf_text(invoice.data).replace("\xa0", " ").replace("\u202f", " ")
    assert "Счёт ORD-" in text and order.number in text
    assert "IBAN: DE89 3704 0044 0532 0130 00" in text and "ООО «Учебный центр»" in text
    assert "1 990,50" in text and "Мария Иванова" in text
    assert shop.enrollment(student, course).status == "pending"
    assert client.get(f"/payments/orders/{order.public_id}/receipt.pdf").status_code == 404  # not paid yet

    admin = factory.user(role="admin")
    login(client, admin)
    assert client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "mark_paid"}).status_code == 303

    assert shop.enrollment(student, course).status == "active"
    login(client, student)
    receipt = pdf_text(client.get(f"/payments/orders/{order.public_id}/receipt.pdf").data)
    assert "Квитанция" in receipt and "Оплачено" in receipt and "Курс «Анализ данных»" in receipt


def test_nobody_else_sees_a_learners_order(shop, client, factory, login):
    course = shop.course()
    student = shop.student()
    shop.pay_with(course, "invoice")
    order = shop.order_of(student)
    login(client, factory.user())

    assert client.get(f"/payments/orders/{order.public_id}").status_code == 404
    assert client.get(f"/payments/orders/{order.public_id}/invoice.pdf").status_code == 404
    assert client.get(f"/payments/admin/orders/{order.public_id}").status_code == 403
    assert client.post(f"/payments/admin/orders/{order.public_id}", data={"action": "mark_paid"}).status_code == 403
    assert shop.enrollment(student, course).status == "pending"
