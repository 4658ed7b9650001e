"""Payment providers behind one interface.

The plugin offers its own three (Stripe, YooKassa, bank transfer) through the
``lms_payments_providers`` hook, as a third party would add another. A provider is a
thin client: every call has a timeout, raises ``ProviderError`` on failure, and sends
the order's (or refund's) idempotency key, so a retried call never charges twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


class ProviderError(Exception):
    """A provider call that failed. ``temporary``: worth retrying (timeouts, 5xx);
    otherwise the provider refused (bad credentials, invalid request). ``message`` is
    safe to show an admin: it never contains a secret."""

    def __init__(self, message: str, temporary: bool = True):
        super().__init__(message)
        self.message = message
        self.temporary = temporary


class WebhookRejected(Exception):
    """A webhook that is not the provider's documented request (bad signature, stale,
    malformed): answered with ``status`` and nothing is done."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Checkout:
    """A started payment: the provider's reference and where the learner pays."""

    reference: str
    url: str


@dataclass(frozen=True)
class PaymentState:
    """What the provider says of a payment. ``status``: ``succeeded``, ``pending``,
    ``failed``, ``expired`` or ``canceled``; amounts in minor units."""

    reference: str
    status: str
    amount: int | None = None
    currency: str | None = None
    refunded: int = 0


@dataclass(frozen=True)
class IncomingEvent:
    """A verified webhook: a unique id (redeliveries share it), its type, its body."""

    event_id: str
    type: str
    payload: dict


class PaymentProvider(ABC):
    """One way to pay. Subclasses set ``name`` (stored with orders) and ``label``."""

    name: str = "provider"
    label = "Provider"
    # Whether the learner is sent to the provider's page (True) or stays with us.
    redirects: bool = True
    # Whether a webhook is only a hint that is confirmed at the provider's API (unsigned
    # notifications): then a repeated one is handled again, since handling is idempotent
    # and the first copy may have been somebody else's forgery sent too early.
    webhooks_are_hints: bool = False

    @abstractmethod
    def configured(self) -> bool:
        """Whether the admin gave what this provider needs (keys, details)."""

    def supports(self, currency: str) -> bool:
        return True

    def checkout_origins(self) -> list[str]:
        """The origins (``https://host``) of the pages the learner pays on, for the
        Content-Security-Policy's form-action."""
        return []

    @abstractmethod
    def start_checkout(self, order, return_url: str, cancel_url: str) -> Checkout:
        """Create the payment at the provider for ``order`` (its ``idempotency_key``
        makes a retry safe)."""

    @abstractmethod
    def fetch(self, order) -> PaymentState:
        """Ask the provider what became of the order's payment."""

    @abstractmethod
    def refund(self, order, refund) -> str:
        """Give ``refund.amount`` back (``refund.idempotency_key``); returns the
        provider's id of the refund."""

    def cancel(self, order) -> None:  # noqa: B027 - optional: a provider without checkouts to close has nothing to do
        """Close an unpaid checkout at the provider so it can no longer be paid."""

    def verify_webhook(self, request) -> IncomingEvent:
        """Check a webhook request and return it; raise ``WebhookRejected``."""
        raise WebhookRejected("this provider sends no webhooks", 404)

    def handle_event(self, event: IncomingEvent) -> None:  # noqa: B027 - optional, like verify_webhook
        """Act on a stored webhook, in a job (use ``lms_payments.orders``)."""


def origin_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}"


def checkout_origins() -> list[str]:
    """Where the checkout may send the learner: each configured provider's pages."""
    origins: list[str] = []
    for provider in all_providers().values():
        if provider.configured():
            origins.extend(o for o in provider.checkout_origins() if o not in origins)
    return origins


def all_providers() -> dict[str, PaymentProvider]:
    from lms_core import call_hook

    providers: dict[str, PaymentProvider] = {}
    for offered_by_one_plugin in call_hook("lms_payments_providers"):
        for provider in offered_by_one_plugin:
            providers.setdefault(provider.name, provider)
    return providers


def get(name: str) -> PaymentProvider | None:
    return all_providers().get(name)


def offered(currency: str) -> list[PaymentProvider]:
    """The providers a learner may choose for a price in ``currency``."""
    return [p for p in all_providers().values() if p.configured() and p.supports(currency)]
