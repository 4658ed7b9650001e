"""Coupons: checked and taken atomically, so two learners cannot both take the last use.

Taking a coupon is one conditional ``UPDATE`` (``used_count < max_uses``) in the
transaction that creates the order; the per-learner limit is counted after it, while
that row is locked. An order that fails, expires or is cancelled gives its use back.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from lms_core import ServiceError, db
from lms_core.models import utcnow
from lms_payments.models import Coupon, CouponRedemption

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def find_usable(code: str, course_id: int, currency: str, user_id: int) -> Coupon:
    """The coupon named ``code`` if it applies to this purchase now; else ``ServiceError``."""
    code = normalise(code)
    coupon = (
        db.session.execute(db.select(Coupon).where(Coupon.code == code)).scalar_one_or_none()
        if CODE.match(code)
        else None
    )
    now = utcnow()
    if coupon is None or not coupon.active:
        raise ServiceError(
            "coupon_unknown",
            _("There is no coupon “%(code)s”.", code=code[:40]),
            400,
            fields={"coupon": _("Unknown coupon.")},
        )
    if coupon.course_id is not None and coupon.course_id != course_id:
        raise ServiceError(
            "coupon_other_course",
            _("This coupon is for another course."),
            400,
            fields={"coupon": _("This coupon is for another course.")},
        )
    if (coupon.valid_from and now < coupon.valid_from) or (coupon.valid_until and now >= coupon.valid_until):
        raise ServiceError(
            "coupon_expired",
            _("This coupon is not valid now."),
            400,
            fields={"coupon": _("This coupon is not valid now.")},
        )
    if coupon.kind == "fixed" and coupon.currency != currency:
        raise ServiceError(
            "coupon_currency",
            _("This coupon is for prices in %(currency)s.", currency=coupon.currency),
            400,
            fields={"coupon": _("This coupon is for prices in %(currency)s.", currency=coupon.currency)},
        )
    if coupon.max_uses is not None and coupon.used_count >= coupon.max_uses:
        raise _used_up()
    if coupon.max_uses_per_user is not None and uses_by(coupon.id, user_id) >= coupon.max_uses_per_user:
        raise _used_by_you()
    return coupon


def discount(coupon: Coupon | None, amount: int) -> int:
    if coupon is None:
        return 0
    if coupon.kind == "percent":
        return min(amount, amount * coupon.percent // 100)
    return min(amount, coupon.amount)


def uses_by(coupon_id: int, user_id: int) -> int:
    return db.session.execute(
        db.select(db.func.count(CouponRedemption.id)).where(
            CouponRedemption.coupon_id == coupon_id,
            CouponRedemption.user_id == user_id,
            CouponRedemption.released_at.is_(None),
        )
    ).scalar_one()


def take(coupon: Coupon, order, user_id: int) -> None:
    """Take one use of ``coupon`` for ``order`` inside the caller's transaction."""
    taken = db.session.execute(
        db.update(Coupon)
        .where(
            Coupon.id == coupon.id,
            Coupon.active.is_(True),
            (Coupon.max_uses.is_(None)) | (Coupon.used_count < Coupon.max_uses),
        )
        .values(used_count=Coupon.used_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise _used_up()
    if coupon.max_uses_per_user is not None and uses_by(coupon.id, user_id) >= coupon.max_uses_per_user:
        raise _used_by_you()
    db.session.add(CouponRedemption(coupon_id=coupon.id, user_id=user_id, order_id=order.id))


def release(order) -> None:
    """Give the order's coupon use back (inside the caller's transaction)."""
    released = db.session.execute(
        db.update(CouponRedemption)
        .where(CouponRedemption.order_id == order.id, CouponRedemption.released_at.is_(None))
        .values(released_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if released:
        db.session.execute(
            db.update(Coupon)
            .where(Coupon.id == order.coupon_id, Coupon.used_count > 0)
            .values(used_count=Coupon.used_count - 1)
            .execution_options(synchronize_session=False)
        )


def _used_up():
    return ServiceError(
        "coupon_used_up", _("This coupon has been used up."), 409, fields={"coupon": _("This coupon has been used up.")}
    )


def _used_by_you():
    return ServiceError(
        "coupon_used",
        _("You have already used this coupon."),
        409,
        fields={"coupon": _("You have already used this coupon.")},
    )
