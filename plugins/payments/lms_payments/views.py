"""The plugin's pages under ``/payments``: a course's checkout, a learner's orders with
receipts and invoices, the course staff's prices, and the admin's orders (filters,
totals, CSV, refunds, marking invoices paid) and coupons."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _

from lms_core import ServiceError, current_user, db, login_required, require
from lms_core.models import Course, utcnow
from lms_payments import coupons, orders, pricing, providers, receipts, refunds, reports
from lms_payments.models import ORDER_STATES, Coupon, Order, Refund
from lms_payments.money import MoneyError, format_money, parse
from lms_payments.settings import currencies

bp = Blueprint(
    "payments",
    __name__,
    url_prefix="/payments",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

MAX_CODE = 40


@bp.app_template_filter("money")
def money_filter(minor, currency):
    return format_money(minor, currency)


@bp.app_template_filter("money_plain")
def money_plain_filter(minor, currency):
    """``1990.00``: an amount as a form field takes it back."""
    from lms_payments.money import decimal_string

    return decimal_string(minor, currency)


@bp.app_template_filter("reject_page")
def reject_page(args: dict) -> dict:
    return {k: v for k, v in args.items() if k != "page"}


def own_order(public_id: str) -> Order:
    order = db.session.execute(db.select(Order).where(Order.public_id == public_id[:32])).scalar_one_or_none()
    if order is None:
        abort(404)
    if order.user_id != current_user.id and not current_user.is_admin:
        abort(404)  # not 403: the id of somebody else's order tells nothing
    return order


# ------------------------------------------------------------------ learners


@bp.route("/courses/<int:course_id>/checkout", methods=["GET", "POST"])
@login_required
def checkout(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.view", course)
    prices = pricing.prices(course.id)
    if not prices:
        abort(404)
    currency = request.values.get("currency", prices[0].currency)[:3]
    if currency not in {p.currency for p in prices}:
        currency = prices[0].currency
    code = coupons.normalise(request.values.get("coupon", ""))[:MAX_CODE]
    errors, quote, status = {}, None, 200
    try:
        quote = pricing.quote(course.id, currency, current_user.id, code or None)
    except ServiceError as exc:
        errors.update(exc.fields or {"coupon": exc.message})
        quote = pricing.quote(course.id, currency, current_user.id)
    offered = providers.offered(currency)
    if request.method == "POST" and request.form.get("action") == "pay" and not errors:
        try:
            order = orders.checkout(current_user, course, currency, request.form.get("provider", ""), code or None)
        except ServiceError as exc:
            if exc.code in ("already_enrolled", "already_paid"):
                flash(exc.message, "info")
                return redirect(url_for("catalogue.course", slug=course.slug)), 303
            errors.update(exc.fields or {"form": exc.message})
            status = exc.status
        else:
            if order.status in ("paid",):
                flash(_("You are enrolled. Enjoy the course!"), "success")
                return redirect(url_for("catalogue.course", slug=course.slug)), 303
            return redirect(order.checkout_url), 303
    if errors and request.method == "POST" and status == 200:
        status = 400
    return render_template(
        "payments/checkout.html",
        course=course,
        prices=prices,
        currency=currency,
        quote=quote,
        code=code,
        offered=offered,
        errors=errors,
        open_order=orders.open_order(current_user.id, course.id),
    ), status


@bp.route("/orders", endpoint="orders")
@login_required
def orders_page():
    mine = (
        db.session.execute(
            db.select(Order).where(Order.user_id == current_user.id).order_by(Order.created_at.desc()).limit(200)
        )
        .scalars()
        .all()
    )
    return render_template("payments/orders.html", orders=mine)


@bp.route("/orders/<public_id>")
@login_required
def order(public_id):
    order = own_order(public_id)
    course = db.session.get(Course, order.course_id) if order.course_id else None
    return render_template("payments/order.html", order=order, course=course, provider=providers.get(order.provider))


@bp.route("/orders/<public_id>/return")
@login_required
def order_return(public_id):
    """Where the provider sends the learner back. Their word is not proof: the
    provider is asked, and the order is paid only if it says so."""
    order = own_order(public_id)
    if order.status == "pending":
        try:
            orders.reconcile(order)
        except providers.ProviderError:
            pass  # the webhook or the sweep will tell
    course = db.session.get(Course, order.course_id) if order.course_id else None
    if order.status == "paid" and course is not None:
        flash(_("Payment received. You are enrolled. Enjoy the course!"), "success")
        return redirect(url_for("catalogue.course", slug=course.slug)), 303
    if order.status == "pending":
        flash(
            _("We are waiting for the payment service to confirm your payment. This page shows it as soon as it does."),
            "info",
        )
    return redirect(url_for("payments.order", public_id=order.public_id)), 303


@bp.route("/orders/<public_id>/receipt.pdf")
@login_required
def receipt(public_id):
    order = own_order(public_id)
    if order.paid_at is None:
        abort(404)
    return _pdf(receipts.receipt_pdf(order), f"receipt-{order.number}.pdf")


@bp.route("/orders/<public_id>/invoice.pdf")
@login_required
def invoice(public_id):
    order = own_order(public_id)
    return _pdf(receipts.invoice_pdf(order), f"invoice-{order.number}.pdf")


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ course staff: prices


@bp.route("/courses/<int:course_id>/prices", methods=["GET", "POST"])
@login_required
def prices(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    errors, values = {}, {}
    if request.method == "POST":
        values = {
            k: request.form.get(k, "")[:40]
            for k in ("currency", "amount", "sale_amount", "sale_starts_at", "sale_ends_at")
        }
        if request.form.get("action") == "remove":
            pricing.remove_price(course.id, values["currency"])
            flash(_("The price in %(currency)s was removed.", currency=values["currency"]), "success")
            return redirect(url_for("payments.prices", course_id=course.id)), 303
        currency = values["currency"].upper()
        amount = _money_field(values["amount"], currency, "amount", errors)
        sale = _money_field(values["sale_amount"], currency, "sale_amount", errors) if values["sale_amount"] else None
        starts = _datetime_field(values["sale_starts_at"], "sale_starts_at", errors)
        ends = _datetime_field(values["sale_ends_at"], "sale_ends_at", errors)
        if not errors:
            try:
                pricing.set_price(course.id, currency, amount, sale, starts, ends)
            except ServiceError as exc:
                errors.update(exc.fields)
            else:
                flash(_("The price was saved."), "success")
                return redirect(url_for("payments.prices", course_id=course.id)), 303
    return render_template(
        "payments/prices.html",
        course=course,
        prices=pricing.prices(course.id),
        currencies=currencies(),
        errors=errors,
        values=values,
    ), 400 if errors else 200


def _money_field(text, currency, name, errors):
    if currency not in currencies():
        errors["currency"] = _("Choose one of: %(list)s.", list=", ".join(currencies()))
        return None
    try:
        return parse(text, currency)
    except MoneyError as exc:
        errors[name] = str(exc)
        return None


def _datetime_field(text, name, errors):
    """A ``datetime-local`` value in the viewer's time zone, as UTC."""
    if not text:
        return None
    try:
        local = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        errors[name] = _("Enter a date and time.")
        return None
    return get_timezone().localize(local).astimezone(timezone.utc)  # pytz, as Flask-Babel gives it


# ------------------------------------------------------------------ admins: orders


@bp.route("/admin/orders")
@login_required
def admin_orders():
    require("admin.access")
    filters, errors = reports.filters_from(request.args)
    if request.args.get("format") == "csv" and not errors:
        return _csv(reports.orders(filters, limit=None))
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    rows, more = reports.orders_page(filters, page)
    return render_template(
        "payments/admin_orders.html",
        orders=rows,
        page=page,
        more=more,
        filters=filters,
        errors=errors,
        states=ORDER_STATES,
        providers=providers.all_providers(),
        by_course=reports.totals_by_course(filters),
        by_month=reports.totals_by_month(filters),
    )


def _csv(rows) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "number",
            "created_at",
            "paid_at",
            "status",
            "buyer_name",
            "buyer_email",
            "course",
            "currency",
            "list_amount",
            "discount",
            "total",
            "refunded",
            "provider",
            "provider_ref",
        ]
    )
    for o in rows:
        writer.writerow(
            [
                o.number,
                o.created_at.isoformat(),
                o.paid_at.isoformat() if o.paid_at else "",
                o.status,
                o.buyer_name,
                o.buyer_email,
                o.course_title,
                o.currency,
                money_plain_filter(o.list_amount, o.currency),
                money_plain_filter(o.discount, o.currency),
                money_plain_filter(o.total, o.currency),
                money_plain_filter(o.refunded, o.currency),
                o.provider,
                o.provider_ref or "",
            ]
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="orders.csv"'
    return response


@bp.route("/admin/orders/<public_id>", methods=["GET", "POST"])
@login_required
def admin_order(public_id):
    require("admin.access")
    order = db.session.execute(db.select(Order).where(Order.public_id == public_id[:32])).scalar_one_or_none()
    if order is None:
        abort(404)
    errors = {}
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "refund":
                amount = _money_field(request.form.get("amount", ""), order.currency, "amount", errors)
                if not errors:
                    refunds.request(order, amount, request.form.get("reason", "")[:500], current_user.id)
                    flash(_("The refund was asked for; its state is below."), "success")
            elif action == "mark_paid" and order.provider == "invoice":
                orders.confirm_paid(
                    order,
                    providers.PaymentState(order.number, "succeeded", order.total, order.currency),
                    source="admin",
                )
                order.note = _("Marked paid by %(name)s.", name=current_user.name)
                db.session.commit()
                flash(_("The order is paid and the learner enrolled."), "success")
            elif action == "reconcile":
                orders.reconcile(order)
                flash(_("The payment service was asked about this order."), "info")
            else:
                abort(400)
        except ServiceError as exc:
            errors.update(exc.fields or {"form": exc.message})
        except providers.ProviderError as exc:
            errors["form"] = exc.message
        if not errors:
            return redirect(url_for("payments.admin_order", public_id=order.public_id)), 303
    history = (
        db.session.execute(db.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)).scalars().all()
    )
    return render_template(
        "payments/admin_order.html",
        order=order,
        refunds=history,
        errors=errors,
        refundable=order.total - order.refunded - refunds.pending_amount(order.id),
    ), 400 if errors else 200


# ------------------------------------------------------------------ admins: coupons


@bp.route("/admin/coupons", methods=["GET", "POST"])
@login_required
def admin_coupons():
    require("admin.access")
    errors, values = {}, {}
    if request.method == "POST":
        values = {
            k: request.form.get(k, "")[:60]
            for k in (
                "code",
                "kind",
                "percent",
                "amount",
                "currency",
                "course_id",
                "valid_from",
                "valid_until",
                "max_uses",
                "max_uses_per_user",
            )
        }
        coupon = _coupon_from(values, errors)
        if not errors:
            db.session.add(coupon)
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                errors["code"] = _("A coupon with this code exists.")
            else:
                flash(_("Coupon %(code)s created.", code=coupon.code), "success")
                return redirect(url_for("payments.admin_coupons")), 303
    listing = db.session.execute(db.select(Coupon).order_by(Coupon.created_at.desc()).limit(500)).scalars().all()
    return render_template(
        "payments/admin_coupons.html",
        coupons=listing,
        errors=errors,
        values=values,
        currencies=currencies(),
        now=utcnow(),
    ), 400 if errors else 200


@bp.post("/admin/coupons/<int:coupon_id>/toggle")
@login_required
def toggle_coupon(coupon_id):
    require("admin.access")
    coupon = db.get_or_404(Coupon, coupon_id)
    coupon.active = not coupon.active
    db.session.commit()
    return redirect(url_for("payments.admin_coupons")), 303


def _coupon_from(values, errors) -> Coupon:
    code = coupons.normalise(values["code"])
    if not coupons.CODE.match(code):
        errors["code"] = _("3 to 40 letters, digits, dashes or underscores.")
    coupon = Coupon(code=code, kind=values["kind"], active=True, used_count=0)
    if values["kind"] == "percent":
        coupon.percent = _int_field(values["percent"], "percent", errors, 1, 100)
    elif values["kind"] == "fixed":
        coupon.currency = values["currency"].upper()
        coupon.amount = _money_field(values["amount"], coupon.currency, "amount", errors)
    else:
        errors["kind"] = _("Choose a kind of discount.")
    if values["course_id"]:
        course_id = _int_field(values["course_id"], "course_id", errors, 1, 2**31 - 1)
        if course_id and db.session.get(Course, course_id) is None:
            errors["course_id"] = _("No such course.")
        coupon.course_id = course_id
    coupon.valid_from = _datetime_field(values["valid_from"], "valid_from", errors)
    coupon.valid_until = _datetime_field(values["valid_until"], "valid_until", errors)
    if coupon.valid_from and coupon.valid_until and coupon.valid_until <= coupon.valid_from:
        errors["valid_until"] = _("The end must come after the start.")
    coupon.max_uses = _int_field(values["max_uses"], "max_uses", errors, 1, 10**9) if values["max_uses"] else None
    coupon.max_uses_per_user = (
        _int_field(values["max_uses_per_user"], "max_uses_per_user", errors, 1, 10**6)
        if values["max_uses_per_user"]
        else None
    )
    return coupon


def _int_field(text, name, errors, low, high):
    try:
        value = int(text.strip())
    except (ValueError, AttributeError):
        value = None
    if value is None or not low <= value <= high or not text.strip().isascii():
        errors[name] = _("A whole number from %(low)d to %(high)d.", low=low, high=high)
        return None
    return value
