"""Stripe Checkout Sessions through the official ``stripe`` package.

The learner pays on Stripe's page; ``checkout.session.completed`` (and the
``async_payment_*`` events of slower methods) tell us, signed with the endpoint's
secret (``Stripe-Signature``: a timestamp within the tolerance and one or more
``v1`` HMACs, checked by ``stripe.Webhook``). Refunds, disputes and expiry follow.
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from lms_payments.providers import (
    origin_of,
    Checkout,
    IncomingEvent,
    PaymentProvider,
    PaymentState,
    ProviderError,
    WebhookRejected,
)
from lms_payments.settings import setting

SESSION_LIFETIME_MAX = 24 * 3600 - 60  # Stripe accepts expires_at up to 24 hours ahead
SESSION_LIFETIME_MIN = 30 * 60 + 60


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = _l("Card (Stripe)")

    def configured(self) -> bool:
        return bool(setting("PAYMENTS_STRIPE_SECRET_KEY"))

    def checkout_origins(self) -> list[str]:
        # Stripe's hosted pages; a non-default API base (a test server, a proxy) serves its own.
        return ["https://checkout.stripe.com", origin_of(setting("PAYMENTS_STRIPE_API_BASE"))]

    def client(self):
        import stripe

        timeout = setting("PAYMENTS_PROVIDER_TIMEOUT")
        return stripe.StripeClient(
            setting("PAYMENTS_STRIPE_SECRET_KEY"),
            base_addresses={"api": setting("PAYMENTS_STRIPE_API_BASE").rstrip("/")},
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=2,
        )

    def _call(self, call):
        import stripe

        try:
            answer = call(self.client().v1)
            return answer.to_dict() if hasattr(answer, "to_dict") else answer  # plain dicts from here on
        except stripe.AuthenticationError:
            raise ProviderError("Stripe refused the secret key (authentication failed)", temporary=False) from None
        except stripe.InvalidRequestError as exc:
            raise ProviderError(
                f"Stripe refused the request: {exc.user_message or exc.code}", temporary=False
            ) from None
        except stripe.StripeError as exc:  # connection, rate limit, Stripe's own errors: try again later
            raise ProviderError(f"Stripe did not answer: {type(exc).__name__}", temporary=True) from None

    def start_checkout(self, order, return_url, cancel_url) -> Checkout:
        from lms_core.models import utcnow

        lifetime = max(
            SESSION_LIFETIME_MIN, min(SESSION_LIFETIME_MAX, int((order.expires_at - utcnow()).total_seconds()))
        )
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": order.currency.lower(),
                        "unit_amount": order.total,
                        "product_data": {"name": order.course_title},
                    },
                }
            ],
            "success_url": return_url,
            "cancel_url": cancel_url,
            "client_reference_id": order.public_id,
            "customer_email": order.buyer_email,
            "metadata": {"order": order.public_id},
            "payment_intent_data": {"metadata": {"order": order.public_id}},
            "expires_at": int(utcnow().timestamp()) + lifetime,
        }
        session = self._call(
            lambda v1: v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"checkout-{order.idempotency_key}"}
            )
        )
        return Checkout(session["id"], session["url"])

    def fetch(self, order) -> PaymentState:
        session = self._call(lambda v1: v1.checkout.sessions.retrieve(order.provider_ref))
        return self._state(session)

    @staticmethod
    def _state(session) -> PaymentState:
        if session.get("payment_status") in ("paid", "no_payment_required"):
            status = "succeeded"
        elif session.get("status") == "expired":
            status = "expired"
        else:
            status = "pending"
        return PaymentState(
            session.get("payment_intent") or session["id"],
            status,
            session.get("amount_total"),
            (session.get("currency") or "").upper() or None,
        )

    def refund(self, order, refund) -> str:
        if not order.payment_ref:
            raise ProviderError("the order has no Stripe payment to refund", temporary=False)
        created = self._call(
            lambda v1: v1.refunds.create(
                params={
                    "payment_intent": order.payment_ref,
                    "amount": refund.amount,
                    "metadata": {"refund": refund.idempotency_key, "order": order.public_id},
                },
                options={"idempotency_key": f"refund-{refund.idempotency_key}"},
            )
        )
        if created.get("status") == "failed":
            raise ProviderError(f"Stripe could not refund: {created.get('failure_reason')}", temporary=False)
        return created["id"]

    def cancel(self, order) -> None:
        import stripe

        try:
            self.client().v1.checkout.sessions.expire(order.provider_ref)
        except stripe.InvalidRequestError:
            pass  # already paid, expired or closed: nothing can be paid there any more
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe did not answer: {type(exc).__name__}") from None

    def _order_by_payment(self, payment_ref):
        """The order a payment intent paid: by the reference stored when the payment was
        confirmed, else (an event that overtook the confirmation) by the intent's metadata."""
        from lms_core import db
        from lms_payments.models import Order

        if not isinstance(payment_ref, str):
            return None
        order = db.session.execute(db.select(Order).where(Order.payment_ref == payment_ref)).scalar_one_or_none()
        if order is None:
            intent = self._call(lambda v1: v1.payment_intents.retrieve(payment_ref))
            order = _order_by_public_id((intent.get("metadata") or {}).get("order"))
        return order

    # ---------------------------------------------------------------- webhooks

    def verify_webhook(self, request) -> IncomingEvent:
        import stripe

        secret = setting("PAYMENTS_STRIPE_WEBHOOK_SECRET")
        if not secret:
            raise WebhookRejected("Stripe webhooks are not configured", 404)
        body = request.get_data(cache=False)
        try:
            stripe.WebhookSignature.verify_header(
                body,
                request.headers.get("Stripe-Signature"),
                secret,
                tolerance=setting("PAYMENTS_STRIPE_WEBHOOK_TOLERANCE"),
            )
        except stripe.SignatureVerificationError:
            raise WebhookRejected("bad or stale Stripe-Signature", 400) from None
        try:
            event = json.loads(body)
            return IncomingEvent(str(event["id"]), str(event["type"]), event)
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("not a Stripe event", 400) from None

    def handle_event(self, event: IncomingEvent) -> None:
        from lms_payments import orders, refunds

        obj = event.payload.get("data", {}).get("object", {})
        kind = event.type
        if kind.startswith("checkout.session."):
            order = _order_by_public_id(obj.get("client_reference_id") or obj.get("metadata", {}).get("order"))
            if order is None or order.provider_ref != obj.get("id"):
                return
            if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
                if obj.get("payment_status") in ("paid", "no_payment_required"):
                    orders.confirm_paid(order, self._state(obj), source="webhook")
            elif kind == "checkout.session.async_payment_failed":
                orders.fail(order, "the payment failed at Stripe")
            elif kind == "checkout.session.expired":
                orders.expire(order)
            return
        order = self._order_by_payment(obj.get("payment_intent"))
        if order is None:
            return
        if order.status == "pending":
            orders.reconcile(order)  # a refund or dispute overtook the completion event
        if kind == "charge.refunded":
            listed = self._call(lambda v1: v1.refunds.list(params={"payment_intent": order.payment_ref, "limit": 100}))
            for item in listed.get("data", []):
                if item.get("status") == "succeeded":
                    refunds.record(order, item["id"], item["amount"], (item.get("metadata") or {}).get("refund"))
        elif kind in ("refund.created", "refund.updated", "charge.refund.updated"):
            if obj.get("status") == "succeeded":
                refunds.record(order, obj["id"], obj["amount"], (obj.get("metadata") or {}).get("refund"))
        elif kind == "charge.dispute.created":
            orders.dispute(order)
        elif kind == "charge.dispute.closed":
            if obj.get("status") == "won":
                orders.dispute_won(order)
            elif obj.get("status") == "lost" and order.total > order.refunded:
                # the money went back to the card holder: the same as a refund
                refunds.record(order, f"dispute:{obj.get('id')}", order.total - order.refunded)


def _order_by_public_id(public_id):
    from lms_core import db
    from lms_payments.models import Order

    if not isinstance(public_id, str):
        return None
    return db.session.execute(db.select(Order).where(Order.public_id == public_id)).scalar_one_or_none()
