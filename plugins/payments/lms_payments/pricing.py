"""Course prices: one per currency, with an optional sale price between two dates."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from lms_core import ServiceError, db
from lms_core.models import utcnow
from lms_payments import coupons
from lms_payments.models import Coupon, Price
from lms_payments.settings import currencies


@dataclass(frozen=True)
class Quote:
    """What a learner pays for a course in one currency, coupon applied."""

    currency: str
    list_amount: int
    discount: int
    coupon: Coupon | None

    @property
    def total(self) -> int:
        return self.list_amount - self.discount


def prices(course_id: int) -> list[Price]:
    return (
        db.session.execute(db.select(Price).where(Price.course_id == course_id).order_by(Price.currency))
        .scalars()
        .all()
    )


def is_paid(course_id: int) -> bool:
    return db.session.execute(db.select(Price.id).where(Price.course_id == course_id).limit(1)).first() is not None


def price_in(course_id: int, currency: str) -> Price:
    price = db.session.execute(
        db.select(Price).where(Price.course_id == course_id, Price.currency == currency)
    ).scalar_one_or_none()
    if price is None:
        raise ServiceError(
            "currency_not_offered",
            _("This course is not sold in %(currency)s.", currency=currency[:3]),
            400,
            fields={"currency": _("Choose a currency.")},
        )
    return price


def quote(course_id: int, currency: str, user_id: int, coupon_code: str | None = None) -> Quote:
    price = price_in(course_id, currency)
    amount = price.current_amount(utcnow())
    coupon = coupons.find_usable(coupon_code, course_id, currency, user_id) if coupon_code else None
    return Quote(currency, amount, coupons.discount(coupon, amount), coupon)


def set_price(
    course_id: int, currency: str, amount: int, sale_amount: int | None = None, sale_starts_at=None, sale_ends_at=None
) -> Price:
    """Create or change the course's price in ``currency`` (amounts in minor units)."""
    fields = {}
    if currency not in currencies():
        fields["currency"] = _("Choose one of: %(list)s.", list=", ".join(currencies()))
    if sale_amount is not None and sale_amount >= amount:
        fields["sale_amount"] = _("The sale price must be below the price.")
    if sale_starts_at and sale_ends_at and sale_ends_at <= sale_starts_at:
        fields["sale_ends_at"] = _("The sale must end after it starts.")
    if sale_amount is None and (sale_starts_at or sale_ends_at):
        fields["sale_amount"] = _("Give the sale price for these dates.")
    if fields:
        raise ServiceError("invalid_price", _("Please correct the price."), 400, fields=fields)
    price = db.session.execute(
        db.select(Price).where(Price.course_id == course_id, Price.currency == currency)
    ).scalar_one_or_none() or Price(course_id=course_id, currency=currency)
    price.amount, price.sale_amount = amount, sale_amount
    price.sale_starts_at, price.sale_ends_at = sale_starts_at, sale_ends_at
    db.session.add(price)
    db.session.commit()
    return price


def remove_price(course_id: int, currency: str) -> None:
    db.session.execute(db.delete(Price).where(Price.course_id == course_id, Price.currency == currency))
    db.session.commit()
