"""The plugin's jobs: webhooks handled after they were stored, refunds made at the
provider, checkouts closed, and the reconciliation sweep."""

from __future__ import annotations

import logging
from datetime import timedelta

from lms_core import db, enqueue
from lms_core.models import Enrollment, utcnow
from lms_payments import orders, providers, refunds
from lms_payments.models import Order, ProviderEvent, Refund
from lms_payments.settings import setting

log = logging.getLogger("lms.payments")
EVENT_RETRY_AFTER = 120  # seconds before the sweep handles an event whose job was lost
BATCH = 200


def process_event_job(event_id: int) -> None:
    """Handle one stored webhook; a failure leaves it for a retry (rq, then the sweep)."""
    event = db.session.get(ProviderEvent, event_id)
    if event is None or event.processed_at is not None:
        return
    provider = providers.get(event.provider)
    event.attempts += 1
    db.session.commit()
    try:
        provider.handle_event(providers.IncomingEvent(event.event_id, event.type, event.payload))
    except Exception as exc:
        db.session.rollback()
        event = db.session.get(ProviderEvent, event_id)
        event.error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        raise
    event = db.session.get(ProviderEvent, event_id)
    event.processed_at, event.error = utcnow(), None
    db.session.commit()


def handle_again_job(provider_name: str, event_id: str) -> None:
    """A repeated hint (an unsigned notification): ask the provider again."""
    event = db.session.execute(
        db.select(ProviderEvent).where(ProviderEvent.provider == provider_name, ProviderEvent.event_id == event_id)
    ).scalar_one_or_none()
    if event is not None:
        providers.get(provider_name).handle_event(providers.IncomingEvent(event.event_id, event.type, event.payload))


def refund_job(refund_id: int) -> None:
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.status != "pending":
        return
    order = db.session.get(Order, refund.order_id)
    try:
        reference = providers.get(order.provider).refund(order, refund)
    except providers.ProviderError as exc:
        if exc.temporary:
            refund.error = exc.message[:2000]
            db.session.commit()
            raise  # rq retries with back-off; the sweep tries again after that
        refunds.fail(refund, exc.message)
        return
    refunds.record(order, reference, refund.amount, key=refund.idempotency_key)


def cancel_at_provider_job(order_id: int) -> None:
    order = db.session.get(Order, order_id)
    if order is not None and order.provider_ref and order.status in ("cancelled", "expired"):
        providers.get(order.provider).cancel(order)


def reconcile_sweep() -> None:
    """Periodic task: no order stays open, unpaid or without its enrolment for long.

    * open orders older than ``PAYMENTS_RECONCILE_AFTER`` are asked about at the
      provider (a lost webhook), and expired ones closed;
    * paid orders whose learner is not enrolled are enrolled (a crash between the two);
    * stored webhooks whose job was lost are handled again, pending refunds retried.
    """
    now = utcnow()
    asked_before = now - timedelta(seconds=setting("PAYMENTS_RECONCILE_AFTER"))
    stale = (
        db.session.execute(
            db.select(Order.id)
            .where(Order.status == "pending", Order.created_at < asked_before)
            .order_by(Order.id)
            .limit(BATCH)
        )
        .scalars()
        .all()
    )
    for order_id in stale:
        order = db.session.get(Order, order_id)
        try:
            orders.reconcile(order)
        except providers.ProviderError as exc:
            log.warning("order %s: %s", order_id, exc.message)
    enrolled = (
        db.select(Enrollment.id)
        .where(
            Enrollment.user_id == Order.user_id,
            Enrollment.course_id == Order.course_id,
            Enrollment.status.in_(("active", "completed")),
        )
        .exists()
    )
    for order in (
        db.session.execute(
            db.select(Order)
            .where(
                Order.status.in_(("paid", "partially_refunded")),
                Order.user_id.is_not(None),
                Order.course_id.is_not(None),
                ~enrolled,
            )
            .order_by(Order.id)
            .limit(BATCH)
        )
        .scalars()
        .all()
    ):
        orders.grant_access(order)
    retry_before = now - timedelta(seconds=EVENT_RETRY_AFTER)
    for event_id in (
        db.session.execute(
            db.select(ProviderEvent.id)
            .where(ProviderEvent.processed_at.is_(None), ProviderEvent.received_at < retry_before)
            .order_by(ProviderEvent.id)
            .limit(BATCH)
        )
        .scalars()
        .all()
    ):
        enqueue(process_event_job, event_id)
    for refund_id in (
        db.session.execute(
            db.select(Refund.id).where(Refund.status == "pending", Refund.created_at < retry_before).limit(BATCH)
        )
        .scalars()
        .all()
    ):
        enqueue(refund_job, refund_id)
