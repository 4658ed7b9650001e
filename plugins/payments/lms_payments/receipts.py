"""Receipts and invoices as PDF (fpdf2 with the core's Unicode font), in the buyer's
language, with the seller's details from the settings."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from lms_core.pdf import FAMILY, new_document
from lms_payments.money import format_money
from lms_payments.settings import setting


def _language(order) -> str:
    from lms_core import db
    from lms_core.models import User

    user = db.session.get(User, order.user_id) if order.user_id else None
    languages = current_app.config["LMS_LANGUAGES"]
    if user is not None and user.locale in languages:
        return user.locale
    return current_app.config["LMS_DEFAULT_LANGUAGE"]


def receipt_pdf(order) -> bytes:
    with force_locale(_language(order)):
        return _document(
            order, _("Receipt"), _("Paid on %(date)s", date=format_date(order.paid_at, "long")), _("Paid"), bank=False
        )


def invoice_pdf(order) -> bytes:
    with force_locale(_language(order)):
        due = _("Due date: %(date)s", date=format_date(order.expires_at, "long"))
        return _document(order, _("Invoice"), due, _("To pay"), bank=True)


def _document(order, title: str, dated: str, total_label: str, bank: bool) -> bytes:
    pdf = new_document(format="A4", unit="mm")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    seller = setting("PAYMENTS_SELLER_NAME") or current_app.config["LMS_SITE_NAME"]
    pdf.set_font(FAMILY, "B", 18)
    pdf.cell(0, 10, f"{title} {order.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(0, 6, _("Issued on %(date)s", date=format_date(order.created_at, "long")), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, dated, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(90, 6, _("Seller"))
    pdf.cell(0, 6, _("Buyer"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    seller_lines = [seller, *[line for line in (setting("PAYMENTS_SELLER_DETAILS") or "").splitlines() if line.strip()]]
    buyer_lines = [order.buyer_name, order.buyer_email]
    for i in range(max(len(seller_lines), len(buyer_lines))):
        pdf.cell(90, 5, seller_lines[i] if i < len(seller_lines) else "")
        pdf.cell(0, 5, buyer_lines[i] if i < len(buyer_lines) else "", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(130, 7, _("Item"), border="B")
    pdf.cell(0, 7, _("Amount"), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(130, 7, _("Course “%(title)s”", title=order.course_title))
    pdf.cell(0, 7, format_money(order.list_amount, order.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    if order.discount:
        pdf.cell(130, 7, _("Discount") + (f" ({order.coupon.code})" if order.coupon else ""))
        pdf.cell(0, 7, "−" + format_money(order.discount, order.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(130, 8, total_label, border="T")
    pdf.cell(0, 8, format_money(order.total, order.currency), border="T", align="R", new_x="LMARGIN", new_y="NEXT")
    if order.refunded:
        pdf.set_font(FAMILY, "", 10)
        pdf.cell(130, 7, _("Refunded"))
        pdf.cell(0, 7, "−" + format_money(order.refunded, order.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    if bank:
        pdf.ln(6)
        pdf.set_font(FAMILY, "B", 11)
        pdf.cell(0, 6, _("Bank details"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 10)
        for line in (setting("PAYMENTS_BANK_DETAILS") or "").splitlines():
            if line.strip():
                pdf.cell(0, 5, line.strip(), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.multi_cell(
            0,
            5,
            _(
                "Payment reference: %(number)s. Please quote it, so that we can match your payment.",
                number=order.number,
            ),
        )
    return bytes(pdf.output())
