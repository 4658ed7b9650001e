"""The admin's view of orders: filters, one page at a time, totals per course and month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _

from lms_core import db
from lms_payments.models import ORDER_STATES, PAID_STATES, Order

PAGE_SIZE = 50


@dataclass
class Filters:
    status: str = ""
    provider: str = ""
    course_id: int | None = None
    search: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def filters_from(args) -> tuple[Filters, dict]:
    errors, f = {}, Filters()
    f.status = args.get("status", "") if args.get("status", "") in ORDER_STATES else ""
    f.provider = args.get("provider", "")[:40]
    f.search = args.get("q", "").strip()[:100]
    course = args.get("course_id", "").strip()
    if course:
        if course.isascii() and course.isdigit() and len(course) < 10:
            f.course_id = int(course)
        else:
            errors["course_id"] = _("A course number.")
    for name, attr, shift in (("since", "since", 0), ("until", "until", 1)):
        text = args.get(name, "").strip()
        if text:
            try:
                day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
                setattr(f, attr, day + timedelta(days=shift))
            except ValueError:
                errors[name] = _("A date (YYYY-MM-DD).")
    return f, errors


def _query(f: Filters):
    query = db.select(Order)
    if f.status:
        query = query.where(Order.status == f.status)
    if f.provider:
        query = query.where(Order.provider == f.provider)
    if f.course_id is not None:
        query = query.where(Order.course_id == f.course_id)
    if f.search:
        like = f"%{f.search.replace('%', '').replace('_', '')}%"
        query = query.where(
            Order.buyer_email.ilike(like) | Order.buyer_name.ilike(like) | Order.course_title.ilike(like)
        )
    if f.since:
        query = query.where(Order.created_at >= f.since)
    if f.until:
        query = query.where(Order.created_at < f.until)
    return query


def orders_page(f: Filters, page: int):
    rows = (
        db.session.execute(
            _query(f)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
        .scalars()
        .all()
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def orders(f: Filters, limit: int | None = None):
    query = _query(f).order_by(Order.created_at, Order.id)
    if limit:
        query = query.limit(limit)
    return db.session.execute(query.execution_options(yield_per=500)).scalars()


def _paid(f: Filters):
    return _query(f).where(Order.status.in_(PAID_STATES + ("refunded",))).subquery()


def totals_by_course(f: Filters) -> list:
    """Per course and currency: paid orders, money taken, refunded, net."""
    paid = _paid(f)
    return db.session.execute(
        db.select(
            paid.c.course_title,
            paid.c.currency,
            db.func.count(),
            db.func.sum(paid.c.total),
            db.func.sum(paid.c.refunded),
        )
        .group_by(paid.c.course_title, paid.c.currency)
        .order_by(db.func.sum(paid.c.total).desc())
        .limit(100)
    ).all()


def totals_by_month(f: Filters) -> list:
    """Per month of payment and currency (in Python: months are not portable SQL)."""
    paid = _paid(f)
    sums: dict[tuple[str, str], list[int]] = {}
    for paid_at, currency, total, refunded in db.session.execute(
        db.select(paid.c.paid_at, paid.c.currency, paid.c.total, paid.c.refunded)
        .where(paid.c.paid_at.is_not(None))
        .execution_options(yield_per=1000)
    ):
        at = paid_at if paid_at.tzinfo else paid_at.replace(tzinfo=timezone.utc)
        row = sums.setdefault((at.strftime("%Y-%m"), currency), [0, 0, 0])
        row[0] += 1
        row[1] += total
        row[2] += refunded
    return [(month, currency, *values) for (month, currency), values in sorted(sums.items(), reverse=True)]
