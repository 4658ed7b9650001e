"""YooKassa (the common provider in Russia) through its REST API (v3).

Every call is authenticated with the shop id and secret key (HTTP basic) and sends our
own ``Idempotence-Key``, so a retry after a time-out never creates a second payment or
refund. YooKassa's notifications are not signed: one is only a hint, and we act on
what ``GET /payments/{id}`` (or ``/refunds/{id}``) then answers.
"""

from __future__ import annotations

import json

import requests
from flask_babel import lazy_gettext as _l

from lms_payments.money import decimal_string, from_decimal
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

EVENTS = ("payment.succeeded", "payment.canceled", "payment.waiting_for_capture", "refund.succeeded")
STATES = {"succeeded": "succeeded", "canceled": "canceled", "pending": "pending", "waiting_for_capture": "pending"}


class YooKassaProvider(PaymentProvider):
    name = "yookassa"
    label = _l("Bank card, SBP, YooMoney (YooKassa)")
    webhooks_are_hints = True

    def configured(self) -> bool:
        return bool(setting("PAYMENTS_YOOKASSA_SHOP_ID") and setting("PAYMENTS_YOOKASSA_SECRET_KEY"))

    def checkout_origins(self) -> list[str]:
        return ["https://yoomoney.ru", origin_of(setting("PAYMENTS_YOOKASSA_API_BASE"))]

    def _request(self, method: str, path: str, body: dict | None = None, key: str | None = None) -> dict:
        url = setting("PAYMENTS_YOOKASSA_API_BASE").rstrip("/") + path
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotence-Key"] = key
        try:
            response = requests.request(
                method,
                url,
                data=json.dumps(body) if body is not None else None,
                headers=headers,
                auth=(str(setting("PAYMENTS_YOOKASSA_SHOP_ID")), setting("PAYMENTS_YOOKASSA_SECRET_KEY")),
                timeout=setting("PAYMENTS_PROVIDER_TIMEOUT"),
            )
        except requests.RequestException as exc:
            raise ProviderError(f"YooKassa did not answer: {type(exc).__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderError(f"YooKassa answered {response.status_code}", temporary=True)
        if response.status_code >= 400:
            code = answer.get("code") if isinstance(answer, dict) else None
            raise ProviderError(
                f"YooKassa refused the request: {code or response.status_code} "
                f"{(answer.get('description') or '')[:200] if isinstance(answer, dict) else ''}".strip(),
                temporary=False,
            )
        if not isinstance(answer, dict) or "id" not in answer:
            raise ProviderError("YooKassa answered something that is not a payment", temporary=True)
        return answer

    def start_checkout(self, order, return_url, cancel_url) -> Checkout:
        payment = self._request(
            "POST",
            "/payments",
            {
                "amount": {"value": decimal_string(order.total, order.currency), "currency": order.currency},
                "capture": True,
                "confirmation": {"type": "redirect", "return_url": return_url},
                "description": f"{order.number}: {order.course_title}"[:128],
                "metadata": {"order": order.public_id},
            },
            key=f"checkout-{order.idempotency_key}",
        )
        url = (payment.get("confirmation") or {}).get("confirmation_url")
        if not url:
            raise ProviderError("YooKassa gave no confirmation_url", temporary=True)
        return Checkout(payment["id"], url)

    def _state(self, payment: dict) -> PaymentState:
        amount = payment.get("amount") or {}
        refunded = payment.get("refunded_amount") or {}
        currency = amount.get("currency")
        return PaymentState(
            payment["id"],
            STATES.get(payment.get("status"), "pending"),
            from_decimal(amount["value"], currency) if amount.get("value") and currency else None,
            currency,
            from_decimal(refunded["value"], currency) if refunded.get("value") and currency else 0,
        )

    def fetch(self, order) -> PaymentState:
        return self._state(self._request("GET", f"/payments/{order.provider_ref}"))

    def refund(self, order, refund) -> str:
        answer = self._request(
            "POST",
            "/refunds",
            {
                "payment_id": order.provider_ref,
                "amount": {"value": decimal_string(refund.amount, order.currency), "currency": order.currency},
                "description": (refund.reason or order.number)[:250],
            },
            key=f"refund-{refund.idempotency_key}",
        )
        if answer.get("status") == "canceled":
            raise ProviderError("YooKassa cancelled the refund", temporary=False)
        return answer["id"]

    def cancel(self, order) -> None:
        try:
            self._request("POST", f"/payments/{order.provider_ref}/cancel", {}, key=f"cancel-{order.idempotency_key}")
        except ProviderError as exc:
            if exc.temporary:
                raise  # a pending payment YooKassa cannot cancel expires there by itself

    # ---------------------------------------------------------------- notifications

    def verify_webhook(self, request) -> IncomingEvent:
        if not self.configured():
            raise WebhookRejected("YooKassa is not configured", 404)
        body = request.get_json(silent=True)
        obj = body.get("object") if isinstance(body, dict) else None
        if (
            not isinstance(obj, dict)
            or body.get("type") != "notification"
            or body.get("event") not in EVENTS
            or not isinstance(obj.get("id"), str)
            or not 0 < len(obj["id"]) <= 100
        ):
            raise WebhookRejected("not a YooKassa notification", 400)
        # No id of its own: the event and the object name it (a redelivery shares both).
        return IncomingEvent(
            f"{body['event']}:{obj['id']}", body["event"], {"event": body["event"], "object": {"id": obj["id"]}}
        )

    def handle_event(self, event: IncomingEvent) -> None:
        from lms_core import db
        from lms_payments import orders, refunds
        from lms_payments.models import Order

        object_id = event.payload["object"]["id"]
        if event.type == "refund.succeeded":
            refund = self._request("GET", f"/refunds/{object_id}")
            order = db.session.execute(
                db.select(Order).where(Order.provider == self.name, Order.provider_ref == refund.get("payment_id"))
            ).scalar_one_or_none()
            if order is None or refund.get("status") != "succeeded":
                return
            if order.status == "pending":
                orders.reconcile(order)
            refunds.record(order, refund["id"], from_decimal(refund["amount"]["value"], order.currency))
            return
        order = db.session.execute(
            db.select(Order).where(Order.provider == self.name, Order.provider_ref == object_id)
        ).scalar_one_or_none()
        if order is not None:
            orders.reconcile(order)
