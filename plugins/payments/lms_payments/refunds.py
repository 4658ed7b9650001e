"""Refunds: asked by an admin (full or partial) and made through the provider in a
job, or reported by the provider (a refund made in its dashboard).

Each refund the provider knows is one row, keyed by the provider's id, so a webhook
that reports a refund we made ourselves, or reports it twice, counts it once.
``Order.refunded`` is always the sum of the succeeded rows.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core import ServiceError, db, enqueue
from lms_core.models import utcnow
from lms_payments import orders
from lms_payments.models import PAID_STATES, Order, Refund


def pending_amount(order_id: int) -> int:
    return db.session.execute(
        db.select(db.func.coalesce(db.func.sum(Refund.amount), 0)).where(
            Refund.order_id == order_id, Refund.status == "pending"
        )
    ).scalar_one()


def request(order: Order, amount: int, reason: str, requested_by: int | None) -> Refund:
    """Ask for ``amount`` (minor units) back on a paid order; the provider is called in a job."""
    if order.status not in PAID_STATES:
        raise ServiceError("not_refundable", _("Only a paid order can be refunded."), 409)
    left = order.total - order.refunded - pending_amount(order.id)
    if not isinstance(amount, int) or amount <= 0 or amount > left:
        raise ServiceError(
            "invalid_amount",
            _("Refund between 0 and what is left to refund."),
            400,
            fields={"amount": _("At most what is left to refund.")},
        )
    refund = Refund(
        order_id=order.id,
        amount=amount,
        reason=(reason or "")[:500],
        status="pending",
        source="admin",
        idempotency_key=secrets.token_hex(16),
        requested_by=requested_by,
    )
    db.session.add(refund)
    db.session.commit()
    from lms_payments import jobs

    enqueue(jobs.refund_job, refund.id)
    return refund


def record(order: Order, provider_ref: str, amount: int, key: str | None = None) -> None:
    """The provider says refund ``provider_ref`` of ``amount`` succeeded. ``key`` is
    our idempotency key when the provider echoes it (metadata)."""
    existing = db.session.execute(
        db.select(Refund).where(Refund.order_id == order.id, Refund.provider_ref == provider_ref)
    ).scalar_one_or_none()
    if existing is None:
        mine = None
        if key:
            mine = db.session.execute(db.select(Refund).where(Refund.idempotency_key == key)).scalar_one_or_none()
        if mine is None:  # one we asked for whose answer has not been stored yet
            mine = db.session.execute(
                db.select(Refund)
                .where(
                    Refund.order_id == order.id,
                    Refund.status == "pending",
                    Refund.provider_ref.is_(None),
                    Refund.amount == amount,
                )
                .order_by(Refund.id)
                .limit(1)
            ).scalar_one_or_none()
        if mine is not None:
            mine.provider_ref, mine.status, mine.completed_at, mine.error = provider_ref, "succeeded", utcnow(), None
        else:
            db.session.add(
                Refund(
                    order_id=order.id,
                    amount=amount,
                    status="succeeded",
                    source="provider",
                    provider_ref=provider_ref,
                    idempotency_key=secrets.token_hex(16),
                    reason=_("Refunded at the payment service."),
                    completed_at=utcnow(),
                )
            )
    elif existing.status != "succeeded":
        existing.status, existing.completed_at = "succeeded", utcnow()
    elif key:
        # Reported by a webhook before our own job stored the answer: that pending row
        # is the same refund.
        db.session.execute(db.delete(Refund).where(Refund.idempotency_key == key, Refund.status == "pending"))
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent report of the same refund won
        db.session.rollback()
    settle(order)


def settle(order: Order) -> None:
    """Bring ``order.refunded`` and its status in line with its succeeded refunds."""
    total = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(Refund.amount), 0)).where(
            Refund.order_id == order.id, Refund.status == "succeeded"
        )
    ).scalar_one()
    db.session.refresh(order)
    if total <= order.refunded:
        return
    total = min(total, order.total)
    target = "refunded" if total >= order.total else "partially_refunded"
    if orders.move(order, target, refunded=total) and target == "refunded":
        orders.end_access(order, _("Your payment was refunded."))


def fail(refund: Refund, error: str) -> None:
    refund.status, refund.error, refund.completed_at = "failed", error[:2000], utcnow()
    db.session.commit()
