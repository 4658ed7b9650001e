"""A teacher prices a course; free stays the default."""

from __future__ import annotations

from lms_core import db
from lms_payments.models import Price


def test_a_teacher_sets_a_price_typed_the_russian_way(client, factory, login):
    teacher = factory.user(role="teacher", locale="ru")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    response = client.post(
        f"/payments/courses/{course.id}/prices",
        data={"currency": "RUB", "amount": "1 990,50", "sale_amount": "", "sale_starts_at": "", "sale_ends_at": ""},
    )

    assert response.status_code == 303
    price = db.session.execute(db.select(Price)).scalar_one()
    assert (price.currency, price.amount, price.sale_amount) == ("RUB", 199050, None)
    assert "1 990,50 ₽" in client.get(f"/payments/courses/{course.id}/prices").get_data(as_text=True).replace(
        "\xa0", " "
    )


def test_a_sale_price_between_two_dates_is_what_learners_pay_then(client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)
    client.post(
        f"/payments/courses/{course.id}/prices",
        data={
            "currency": "EUR",
            "amount": "100",
            "sale_amount": "80",
            "sale_starts_at": "2020-01-01T00:00",
            "sale_ends_at": "2099-01-01T00:00",
        },
    )

    student = factory.user()
    login(client, student)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert "€80.00" in page and "<s" in page and "€100.00" in page


def test_bad_prices_are_refused_at_the_field_in_the_teachers_language(client, factory, login):
    teacher = factory.user(role="teacher", locale="ru")
    course = factory.course(teacher=teacher)
    login(client, teacher)

    cases = {
        "abc": "«abc» — это не сумма.",
        "-5": "Сумма должна быть больше нуля.",
        "1.999": "В RUB не больше 2 знаков после запятой.",
        "99999999999999": "Сумма слишком велика.",
        "Infinity": "«Infinity» — это не сумма.",
    }
    for typed, message in cases.items():
        response = client.post(f"/payments/courses/{course.id}/prices", data={"currency": "RUB", "amount": typed})
        assert response.status_code == 400, typed
        assert message in response.get_data(as_text=True), typed
    sale = client.post(
        f"/payments/courses/{course.id}/prices", data={"currency": "RUB", "amount": "100", "sale_amount": "200"}
    )
    assert "Цена со скидкой должна быть ниже цены." in sale.get_data(as_text=True)
    assert (
        client.post(f"/payments/courses/{course.id}/prices", data={"currency": "XYZ", "amount": "1"}).status_code == 400
    )
    assert db.session.execute(db.select(db.func.count(Price.id))).scalar_one() == 0


def test_only_the_course_staff_set_prices(client, factory, login):
    course = factory.course()
    login(client, factory.user())
    assert client.get(f"/payments/courses/{course.id}/prices").status_code == 403
    assert (
        client.post(f"/payments/courses/{course.id}/prices", data={"currency": "RUB", "amount": "1"}).status_code == 403
    )
    login(client, factory.user(role="teacher"))
    assert client.get(f"/payments/courses/{course.id}/prices").status_code == 403


def test_a_free_course_enrols_at_once(client, factory, login, enrolments_seen):
    course = factory.course()
    student = factory.user()
    login(client, student)
    response = client.post(f"/courses/{course.slug}/enrol")
    assert response.headers["Location"].endswith(f"/courses/{course.slug}")
    assert enrolments_seen == [(student.id, course.id)]
