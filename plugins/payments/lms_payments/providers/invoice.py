"""Bank transfer against an invoice: needs no account at any provider.

The learner downloads an invoice (PDF) with the seller's bank details and the order
number as the payment reference; an admin marks the order paid when the money arrives
(and records refunds made by transfer the same way).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from lms_payments.providers import Checkout, PaymentProvider, PaymentState
from lms_payments.settings import setting


class InvoiceProvider(PaymentProvider):
    name = "invoice"
    label = _l("Bank transfer (invoice)")
    redirects = False

    def configured(self) -> bool:
        return bool(setting("PAYMENTS_INVOICE_ENABLED"))

    def start_checkout(self, order, return_url, cancel_url) -> Checkout:
        return Checkout(order.number, url_for("payments.order", public_id=order.public_id))

    def fetch(self, order) -> PaymentState:
        # Only an admin knows: the order stays as it is until marked paid or it expires.
        return PaymentState(order.number, "succeeded" if order.paid_at else "pending", order.total, order.currency)

    def refund(self, order, refund) -> str:
        # Paid back by transfer, by the admin who asked for it: recorded as done.
        return f"transfer:{refund.idempotency_key}"
