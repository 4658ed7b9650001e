"""Orders: from checkout to access, and back when money is returned.

An order moves only along ``models.TRANSITIONS``, each move one conditional UPDATE
(compare and set on the status), so two webhooks racing for one order change it once.
Nothing is ever enrolled without a confirmed payment (the ``lms_before_enroll`` hook
holds paid courses until an order is paid), and nothing paid is left without its
enrolment (``grant_access`` after every confirmation, and the reconciliation sweep).

A payment that succeeds after its order expired or was cancelled is recorded and
honoured (the learner gets access); if the learner already paid for the course through
another order, it is a double payment and is refunded in full.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask_babel import gettext as _

from lms_core import ServiceError, db, enqueue, name_params, notification_name, notify, path_for, public_url
from lms_core.models import Course, User, utcnow
from lms_core.services import enrolment
from lms_payments import coupons, pricing, providers
from lms_payments.models import OPEN_STATES, PAID_STATES, TRANSITIONS, Order
from lms_payments.money import format_money
from lms_payments.settings import setting

log = logging.getLogger("lms.payments")
FREE = "free"  # the provider of an order a coupon made free
PAYMENT_KIND = "payments.received"


def sources_of(target: str) -> set[str]:
    return {state for state, targets in TRANSITIONS.items() if target in targets}


def move(order: Order, target: str, **values) -> bool:
    """Move ``order`` to ``target`` if its current status allows it; returns whether
    this call made the move (another process may have made it first). Commits."""
    allowed = sources_of(target)
    moved = (
        db.session.execute(
            db.update(Order)
            .where(Order.id == order.id, Order.status.in_(allowed))
            .values(status=target, updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    db.session.commit()
    db.session.refresh(order)
    return moved


def paid_order(user_id: int, course_id: int, exclude: int | None = None) -> Order | None:
    query = db.select(Order).where(
        Order.user_id == user_id, Order.course_id == course_id, Order.status.in_(PAID_STATES)
    )
    if exclude is not None:
        query = query.where(Order.id != exclude)
    return db.session.execute(query.order_by(Order.id).limit(1)).scalar_one_or_none()


def open_order(user_id: int, course_id: int) -> Order | None:
    return db.session.execute(
        db.select(Order)
        .where(
            Order.user_id == user_id,
            Order.course_id == course_id,
            Order.status.in_(OPEN_STATES),
            Order.expires_at > utcnow(),
        )
        .order_by(Order.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# ------------------------------------------------------------------------ checkout


def checkout(user: User, course: Course, currency: str, provider_name: str, coupon_code: str | None) -> Order:
    """The learner's order for ``course``, started at the provider; its
    ``checkout_url`` is where they pay. Reuses an open order with the same terms, so
    a double click or a retry never starts a second payment."""
    enrollment = enrolment.find(user.id, course.id)
    if enrollment is not None and enrollment.status != "pending":
        raise ServiceError("already_enrolled", _("You already have access to this course."), 409)
    if paid_order(user.id, course.id):
        raise ServiceError("already_paid", _("You have already paid for this course."), 409)
    provider = providers.get(provider_name)
    if provider is None or not provider.configured() or not provider.supports(currency):
        raise ServiceError(
            "provider_unavailable", _("Choose a way to pay."), 400, fields={"provider": _("Choose a way to pay.")}
        )
    quote = pricing.quote(course.id, currency, user.id, coupon_code)
    if enrollment is None:  # held by this plugin's lms_before_enroll until paid
        enrollment = enrolment.enroll(user, course)

    existing = open_order(user.id, course.id)
    if existing is not None and (existing.provider, existing.currency, existing.total, existing.coupon_id) == (
        provider.name if quote.total else FREE,
        currency,
        quote.total,
        quote.coupon.id if quote.coupon else None,
    ):
        return existing if existing.checkout_url else start(existing)
    if existing is not None:
        cancel(existing, _("Replaced by a new order."))

    order = Order(
        public_id=secrets.token_urlsafe(16)[:22],
        user_id=user.id,
        course_id=course.id,
        course_title=course.title[:200],
        buyer_name=user.name[:200],
        buyer_email=user.email,
        currency=currency,
        list_amount=quote.list_amount,
        discount=quote.discount,
        total=quote.total,
        coupon_id=quote.coupon.id if quote.coupon else None,
        provider=provider.name if quote.total else FREE,
        status="pending",
        idempotency_key=secrets.token_hex(16),
        expires_at=utcnow() + timedelta(seconds=setting("PAYMENTS_ORDER_TTL")),
    )
    db.session.add(order)
    try:
        db.session.flush()
        if quote.coupon is not None:
            coupons.take(quote.coupon, order, user.id)
        db.session.commit()
    except ServiceError:
        db.session.rollback()
        raise
    if order.total == 0:
        confirm_paid(order, providers.PaymentState(order.public_id, "succeeded", 0, currency), source="coupon")
        return order
    return start(order)


def start(order: Order) -> Order:
    """Create the payment at the provider (in the learner's request: they wait for
    the address to pay at). A provider that does not answer leaves the order open, to
    be tried again with the same idempotency key; one that refuses fails it."""
    provider = providers.get(order.provider)
    # On the deployment's public address, never the request's Host header.
    return_url = public_url("payments.order_return", public_id=order.public_id)
    cancel_url = public_url("payments.checkout", course_id=order.course_id)
    try:
        started = provider.start_checkout(order, return_url, cancel_url)
    except providers.ProviderError as exc:
        log.warning("provider %s could not start order %s: %s", order.provider, order.id, exc.message)
        order.error = exc.message[:2000]
        db.session.commit()
        if not exc.temporary:
            fail(order, exc.message)
            raise ServiceError(
                "provider_refused",
                _(
                    "The payment service refused this payment. Nothing was charged. "
                    "Please choose another way to pay or contact us."
                ),
                502,
            ) from None
        raise ServiceError(
            "provider_down",
            _("The payment service is not answering. Nothing was charged; please try again in a minute."),
            503,
        ) from None
    order.provider_ref, order.checkout_url, order.error = started.reference, started.url, None
    db.session.commit()
    return order


def fail(order: Order, error: str) -> None:
    if move(order, "failed", error=error[:2000]):
        coupons.release(order)
        db.session.commit()


def cancel(order: Order, note: str = "") -> None:
    """Close an unpaid order here and at the provider (in a job)."""
    if move(order, "cancelled", note=note[:2000] or None):
        coupons.release(order)
        db.session.commit()
        if order.provider_ref and order.provider != FREE:
            from lms_payments import jobs

            enqueue(jobs.cancel_at_provider_job, order.id)


def expire(order: Order) -> None:
    if move(order, "expired"):
        coupons.release(order)
        db.session.commit()
        if order.provider_ref and order.provider != FREE:
            from lms_payments import jobs

            enqueue(jobs.cancel_at_provider_job, order.id)


# ------------------------------------------------------------------------ payment


def confirm_paid(order: Order, state: providers.PaymentState, source: str) -> bool:
    """Record a payment the provider confirmed (``state``), then give access. Returns
    whether this call recorded it (``False``: it was recorded before)."""
    if state.amount is not None and (state.amount != order.total or (state.currency or "").upper() != order.currency):
        message = (
            f"paid {state.amount} {state.currency} for an order of {order.total} {order.currency}: "
            f"not honoured, check it at the provider"
        )
        log.error("order %s: %s", order.id, message)
        order.error = message
        db.session.commit()
        return False
    previous = order.status
    if not move(order, "paid", paid_at=utcnow(), payment_ref=order.payment_ref or state.reference, error=None):
        return False
    if previous != "pending" and paid_order(order.user_id, order.course_id, exclude=order.id):
        # A second payment for a course already paid for (a late one for an order that was
        # replaced or expired): give it back in full.
        from lms_payments import refunds

        refunds.request(order, order.total, _("Paid twice for the same course."), requested_by=None)
        return True
    grant_access(order)
    if order.user_id:
        course = db.session.get(Course, order.course_id) if order.course_id else None
        params = {
            # the course in the recipient's (and each reader's) language while it exists, else as bought
            "course": order.course_title,
            **(name_params("course", course, db.session.get(User, order.user_id)) if course is not None else {}),
            "amount": format_money(order.total, order.currency),  # for the scenario's templates
            "total": order.total,  # in minor units
            "currency": order.currency,
            "number": order.number,
            "receipt_url": path_for("payments.receipt", public_id=order.public_id),
        }
        notify(order.user_id, PAYMENT_KIND, url=path_for("payments.orders"), params=params)
    return True


def grant_access(order: Order) -> None:
    """Make sure the learner of a paid order is enrolled (and active)."""
    user = db.session.get(User, order.user_id) if order.user_id else None
    course = db.session.get(Course, order.course_id) if order.course_id else None
    if user is None or course is None:
        return
    enrollment = enrolment.find(user.id, course.id)
    if enrollment is None:
        try:
            enrolment.enroll(user, course)  # lms_before_enroll lets a paid learner in
        except ServiceError as exc:
            log.error("order %s is paid but %s could not be enrolled: %s", order.id, user.id, exc.message)
            order.error = f"enrolment refused: {exc.code}"
            db.session.commit()
    elif enrollment.status == "pending":
        enrolment.activate(enrollment.id)


def end_access(order: Order, reason: str) -> None:
    """After a full refund or a chargeback: the learner loses the course, unless
    another paid order covers it. ``PAYMENTS_REFUND_KEEPS_PROGRESS`` decides whether
    their progress stays for a later purchase."""
    if not order.user_id or not order.course_id or paid_order(order.user_id, order.course_id, exclude=order.id):
        return
    enrollment = enrolment.find(order.user_id, order.course_id)
    if enrollment is None:
        return
    if setting("PAYMENTS_REFUND_KEEPS_PROGRESS"):
        enrolment.hold(enrollment.id, reason)
    else:
        enrolment.withdraw(enrollment.id)


def dispute(order: Order) -> None:
    if move(order, "disputed"):
        end_access(order, _("A chargeback was opened for your payment."))


def dispute_won(order: Order) -> None:
    if order.status == "disputed" and move(order, "paid"):
        grant_access(order)


# ------------------------------------------------------------------------ reconciliation


def reconcile(order: Order) -> None:
    """Ask the provider what became of an open order and act on the answer."""
    provider = providers.get(order.provider)
    if provider is None or order.provider == FREE:
        return
    if order.provider_ref is None:
        if order.expires_at <= utcnow():
            expire(order)
        return
    state = provider.fetch(order)
    if state.status == "succeeded":
        confirm_paid(order, state, source="reconcile")
    elif state.status in ("failed", "canceled"):
        fail(order, _("The payment was declined or cancelled."))
    elif state.status == "expired" or order.expires_at <= utcnow():
        expire(order)


def payment_texts(params: dict) -> tuple[str, str]:
    """The payment notification, in the language of whoever reads it
    (``lms_notification_texts``); the amount in that language's number format."""
    amount = params.get("amount", "")
    if isinstance(params.get("total"), int) and params.get("currency"):  # older rows: as written
        amount = format_money(params["total"], params["currency"])
    return (
        _("Payment received for “%(course)s”", course=notification_name(params, "course")),
        _(
            "We received %(amount)s (order %(number)s). Your receipt is on your orders page.",
            amount=amount,
            number=params.get("number", ""),
        ),
    )
