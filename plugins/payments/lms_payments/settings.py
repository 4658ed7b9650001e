"""The plugin's settings, with their defaults. Each may be set in the app's config or,
for deployments configured through the environment, as an environment variable of
the same name. Secrets are read from here only, and never logged."""

from __future__ import annotations

from lms_core import PluginSettings

DEFAULTS = {
    "PAYMENTS_CURRENCIES": "RUB,EUR,USD",  # what a teacher may price a course in
    "PAYMENTS_ORDER_TTL": 24 * 3600,  # seconds an unpaid order stays open
    "PAYMENTS_RECONCILE_INTERVAL": 300,  # seconds between reconciliation sweeps
    "PAYMENTS_RECONCILE_AFTER": 60,  # a pending order is asked about after this many seconds
    "PAYMENTS_REFUND_KEEPS_PROGRESS": True,  # a full refund ends access; progress stays for a re-purchase
    "PAYMENTS_PROVIDER_TIMEOUT": 10.0,  # seconds for one call to a provider
    "PAYMENTS_SELLER_NAME": None,  # on receipts and invoices; default: the site's name
    "PAYMENTS_SELLER_DETAILS": "",  # address, tax number, e-mail: one item per line
    # Stripe (Checkout Sessions)
    "PAYMENTS_STRIPE_SECRET_KEY": None,
    "PAYMENTS_STRIPE_WEBHOOK_SECRET": None,
    "PAYMENTS_STRIPE_API_BASE": "https://api.stripe.com",
    "PAYMENTS_STRIPE_WEBHOOK_TOLERANCE": 300,  # seconds a signed webhook stays acceptable
    # YooKassa
    "PAYMENTS_YOOKASSA_SHOP_ID": None,
    "PAYMENTS_YOOKASSA_SECRET_KEY": None,
    "PAYMENTS_YOOKASSA_API_BASE": "https://api.yookassa.ru/v3",
    # Bank transfer: on by default, needs no account
    "PAYMENTS_INVOICE_ENABLED": True,
    "PAYMENTS_BANK_DETAILS": "",  # account holder, IBAN or account number, bank: one item per line
}
SETTINGS = PluginSettings(DEFAULTS)


def setting(name: str):
    return SETTINGS.get(name)


def currencies() -> list[str]:
    value = setting("PAYMENTS_CURRENCIES")
    items = value.split(",") if isinstance(value, str) else list(value)
    return [c.strip().upper() for c in items if c.strip()]
