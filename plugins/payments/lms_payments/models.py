"""The payments plugin's tables (``payments_*``).

Amounts are integers in the currency's minor units. Orders are financial records:
they outlive the course and the enrolment they paid for (no cascading delete).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_core import db
from lms_core.models.base import UTCDateTime, utcnow

ORDER_STATES = ("pending", "paid", "failed", "expired", "cancelled", "partially_refunded", "refunded", "disputed")
# Where each state may go. A late success (an expired, cancelled or failed order that the
# provider reports paid after all) is recorded: the money was taken.
TRANSITIONS = {
    "pending": {"paid", "failed", "expired", "cancelled"},
    "failed": {"paid"},
    "expired": {"paid"},
    "cancelled": {"paid"},
    "paid": {"partially_refunded", "refunded", "disputed"},
    "partially_refunded": {"partially_refunded", "refunded", "disputed"},
    "disputed": {"paid", "refunded"},
    "refunded": set(),
}
OPEN_STATES = ("pending",)
PAID_STATES = ("paid", "partially_refunded", "disputed")


class Price(db.Model):
    """What a course costs in one currency; a course may be sold in several."""

    __tablename__ = "payments_prices"
    __table_args__ = (
        UniqueConstraint("course_id", "currency"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("sale_amount IS NULL OR (sale_amount > 0 AND sale_amount < amount)", name="sale_below_price"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    sale_amount: Mapped[int | None] = mapped_column(Integer)
    sale_starts_at = mapped_column(UTCDateTime)
    sale_ends_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def current_amount(self, now) -> int:
        if (
            self.sale_amount
            and (self.sale_starts_at is None or self.sale_starts_at <= now)
            and (self.sale_ends_at is None or now < self.sale_ends_at)
        ):
            return self.sale_amount
        return self.amount


class Coupon(db.Model):
    """A discount code: a percentage or a fixed amount, for one course or all."""

    __tablename__ = "payments_coupons"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'percent' AND percent BETWEEN 1 AND 100 AND amount IS NULL) OR "
            "(kind = 'fixed' AND amount > 0 AND currency IS NOT NULL AND percent IS NULL)",
            name="kind_fields",
        ),
        CheckConstraint("max_uses IS NULL OR used_count <= max_uses", name="within_limit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    percent: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    valid_from = mapped_column(UTCDateTime)
    valid_until = mapped_column(UTCDateTime)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    max_uses_per_user: Mapped[int | None] = mapped_column(Integer)
    used_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Order(db.Model):
    """One attempt of a learner to pay for a course."""

    __tablename__ = "payments_orders"
    __table_args__ = (
        UniqueConstraint("provider", "provider_ref"),
        Index("ix_payments_orders_status_created", "status", "created_at"),
        Index("ix_payments_orders_user_course", "user_id", "course_id"),
        CheckConstraint("total >= 0 AND discount >= 0 AND refunded >= 0 AND refunded <= total", name="amounts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # In URLs and at the provider: unguessable, unlike the id.
    public_id: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    course_title: Mapped[str] = mapped_column(String(200), nullable=False)
    buyer_name: Mapped[str] = mapped_column(String(200), nullable=False)
    buyer_email: Mapped[str] = mapped_column(String(320), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    list_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    discount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    refunded: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("payments_coupons.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    provider_ref: Mapped[str | None] = mapped_column(String(200))  # the checkout (session, payment, invoice)
    payment_ref: Mapped[str | None] = mapped_column(String(200), index=True)  # the charge, once there is one
    checkout_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    # Sent with every call that creates something at the provider, so a retried call
    # never creates a second payment.
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    paid_at = mapped_column(UTCDateTime)
    expires_at = mapped_column(UTCDateTime, nullable=False)

    coupon: Mapped[Coupon | None] = relationship()

    @property
    def number(self) -> str:
        """The order number people quote (on receipts and invoices, in bank transfers)."""
        return f"ORD-{self.id:06d}"


class CouponRedemption(db.Model):
    """A coupon taken by an order; released when the order fails or expires."""

    __tablename__ = "payments_coupon_redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("payments_coupons.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    order_id: Mapped[int] = mapped_column(
        ForeignKey("payments_orders.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    released_at = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_payments_coupon_redemptions_coupon_user", "coupon_id", "user_id"),)


class Refund(db.Model):
    """Money given back on an order, asked by an admin or reported by the provider."""

    __tablename__ = "payments_refunds"
    __table_args__ = (
        UniqueConstraint("order_id", "provider_ref"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("payments_orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")  # pending succeeded failed
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="admin")  # admin provider
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    completed_at = mapped_column(UTCDateTime)


class ProviderEvent(db.Model):
    """A webhook as it arrived, stored once (the unique key drops redeliveries) and
    handled in a job."""

    __tablename__ = "payments_provider_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id"),
        Index("ix_payments_provider_events_unprocessed", "processed_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    event_id: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    processed_at = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
