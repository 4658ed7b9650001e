"""The payments plugin's hook implementations (the entry point ``payments``).

A paid course holds every enrolment (``lms_before_enroll``) until an order is paid;
checkout, webhooks and refunds live in the views and jobs, never in a hook.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms_core import NavLink, PeriodicTask, Refusal, hookimpl
from lms_payments import models  # noqa: F401  (the tables must be known to migrations)

PACKAGE = Path(__file__).parent


@hookimpl
def lms_addhooks(pluginmanager):
    from lms_payments import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def lms_payments_providers():
    from lms_payments.providers.invoice import InvoiceProvider
    from lms_payments.providers.stripe import StripeProvider
    from lms_payments.providers.yookassa import YooKassaProvider

    return [StripeProvider(), YooKassaProvider(), InvoiceProvider()]


@hookimpl
def lms_before_enroll(user, course):
    from flask import url_for

    from lms_payments import orders, pricing

    if not pricing.is_paid(course.id) or orders.paid_order(user.id, course.id):
        return None
    return Refusal(
        _("Waiting for payment."),
        code="payment_required",
        hold=True,
        url=url_for("payments.checkout", course_id=course.id),
    )


@hookimpl
def lms_blueprints(app):
    from lms_payments import views, webhooks

    return [views.bp, webhooks.bp]


@hookimpl
def lms_content_security_policy(app):
    """The checkout form's answer is a redirect to the provider's page: the policy's
    form-action must allow it."""
    from lms_payments.providers import checkout_origins

    return {"form-action": checkout_origins()} if checkout_origins() else None


@hookimpl
def lms_migrations_folder():
    return PACKAGE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return PACKAGE / "translations"


@hookimpl
def lms_periodic_tasks():
    from lms_payments import jobs
    from lms_payments.settings import setting

    return [PeriodicTask("payments.reconcile", jobs.reconcile_sweep, int(setting("PAYMENTS_RECONCILE_INTERVAL")))]


@hookimpl
def lms_navigation_links(user):
    from flask import url_for

    if user is None:
        return []
    links = [NavLink(_l("Orders"), url_for("payments.orders"))]
    if user.role == "admin":
        links.append(NavLink(_l("Payments"), url_for("payments.admin_orders"), area="admin"))
    return links


@hookimpl
def lms_course_page_fragments(user, course):
    from lms_payments import fragments

    return fragments.course_page(user, course)


@hookimpl
def lms_notification_texts():
    from lms_payments import orders

    return {orders.PAYMENT_KIND: orders.payment_texts}


@hookimpl(optionalhook=True)
def lms_notification_scenarios():
    return [
        {
            "name": "payments.received",
            "label": _l("Payment received"),
            "description": _l("Sent with the receipt when a learner's payment for a course is confirmed."),
            "audience": "learner",
            "channels": ["email"],
            "frequency": "immediately",
            "urgent": True,
            "templates": {
                "subject": _l("Payment received for “{{ course }}”"),
                "text": _l(
                    "We received {{ amount }} for “{{ course }}” (order {{ number }}). "
                    "You are enrolled. Your receipt: {{ receipt_url }}"
                ),
                "short": _l("Payment of {{ amount }} received: you are enrolled in “{{ course }}”."),
            },
            "sample": {
                "course": "Python 101",
                "amount": "1 990,00 ₽",
                "number": "ORD-000042",
                "receipt_url": "https://lms.example.org/payments/orders/abc/receipt.pdf",
            },
        }
    ]


@hookimpl
def lms_course_workspace_tabs(user, course):
    """The plugin's teacher page of the course, a tab of the course workspace."""
    from flask import url_for

    from lms_core import WorkspaceTab, gettext as _

    return [
        WorkspaceTab("prices", _("Prices"), url_for("payments.prices", course_id=course.id), order=70),
    ]
