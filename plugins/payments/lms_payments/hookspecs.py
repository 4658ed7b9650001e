"""Hooks the payments plugin declares for other plugins (through ``lms_addhooks``).

A third party adds a payment provider like this::

    from lms_core import hookimpl
    from lms_payments.providers import PaymentProvider

    class Paypal(PaymentProvider):
        name = "paypal"
        ...

    @hookimpl
    def lms_payments_providers():
        return [Paypal()]
"""

from lms_core import hookspec


@hookspec
def lms_payments_providers():
    """Called when the payments plugin needs its providers (checkout, webhooks,
    refunds, reconciliation). Returns a list of ``lms_payments.providers.PaymentProvider``
    objects; each ``name`` must be unique and is stored with every order. A provider
    whose ``configured()`` is false is not offered at checkout."""
