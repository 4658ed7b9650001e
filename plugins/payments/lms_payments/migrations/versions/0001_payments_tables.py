"""Payments: prices, coupons, orders, coupon redemptions, refunds, provider events

Revision ID: payments_0001
Revises:
Create Date: 2026-12-01 19:58:15.072535
"""

from alembic import op
import sqlalchemy as sa
import lms_core.models.base


revision = 'payments_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payments_provider_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('event_id', sa.String(length=200), nullable=False),
        sa.Column('type', sa.String(length=100), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('received_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('processed_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments_provider_events')),
        sa.UniqueConstraint('provider', 'event_id', name=op.f('uq_payments_provider_events_provider_event_id')),
    )
    with op.batch_alter_table('payments_provider_events', schema=None) as batch_op:
        batch_op.create_index('ix_payments_provider_events_unprocessed', ['processed_at', 'received_at'], unique=False)

    op.create_table(
        'payments_coupons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=True),
        sa.Column('amount', sa.Integer(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('valid_from', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('valid_until', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('max_uses', sa.Integer(), nullable=True),
        sa.Column('max_uses_per_user', sa.Integer(), nullable=True),
        sa.Column('used_count', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'percent' AND percent BETWEEN 1 AND 100 AND amount IS NULL) OR (kind = 'fixed' AND amount > 0 AND currency IS NOT NULL AND percent IS NULL)",
            name=op.f('ck_payments_coupons_kind_fields'),
        ),
        sa.CheckConstraint('max_uses IS NULL OR used_count <= max_uses', name=op.f('ck_payments_coupons_within_limit')),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_payments_coupons_course_id_courses'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments_coupons')),
        sa.UniqueConstraint('code', name=op.f('uq_payments_coupons_code')),
    )
    with op.batch_alter_table('payments_coupons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_coupons_course_id'), ['course_id'], unique=False)

    op.create_table(
        'payments_prices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('sale_amount', sa.Integer(), nullable=True),
        sa.Column('sale_starts_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('sale_ends_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('updated_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_payments_prices_amount_positive')),
        sa.CheckConstraint(
            'sale_amount IS NULL OR (sale_amount > 0 AND sale_amount < amount)',
            name=op.f('ck_payments_prices_sale_below_price'),
        ),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_payments_prices_course_id_courses'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments_prices')),
        sa.UniqueConstraint('course_id', 'currency', name=op.f('uq_payments_prices_course_id_currency')),
    )
    with op.batch_alter_table('payments_prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_prices_course_id'), ['course_id'], unique=False)

    op.create_table(
        'payments_orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('course_title', sa.String(length=200), nullable=False),
        sa.Column('buyer_name', sa.String(length=200), nullable=False),
        sa.Column('buyer_email', sa.String(length=320), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('list_amount', sa.Integer(), nullable=False),
        sa.Column('discount', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('refunded', sa.Integer(), nullable=False),
        sa.Column('coupon_id', sa.Integer(), nullable=True),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('provider_ref', sa.String(length=200), nullable=True),
        sa.Column('payment_ref', sa.String(length=200), nullable=True),
        sa.Column('checkout_url', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('paid_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('expires_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            'total >= 0 AND discount >= 0 AND refunded >= 0 AND refunded <= total',
            name=op.f('ck_payments_orders_amounts'),
        ),
        sa.ForeignKeyConstraint(
            ['coupon_id'],
            ['payments_coupons.id'],
            name=op.f('fk_payments_orders_coupon_id_payments_coupons'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_payments_orders_course_id_courses'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_payments_orders_user_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments_orders')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_orders_idempotency_key')),
        sa.UniqueConstraint('provider', 'provider_ref', name=op.f('uq_payments_orders_provider_provider_ref')),
        sa.UniqueConstraint('public_id', name=op.f('uq_payments_orders_public_id')),
    )
    with op.batch_alter_table('payments_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_orders_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_orders_payment_ref'), ['payment_ref'], unique=False)
        batch_op.create_index('ix_payments_orders_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_payments_orders_user_course', ['user_id', 'course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_orders_user_id'), ['user_id'], unique=False)

    op.create_table(
        'payments_coupon_redemptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coupon_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('created_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('released_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['coupon_id'],
            ['payments_coupons.id'],
            name=op.f('fk_payments_coupon_redemptions_coupon_id_payments_coupons'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['order_id'],
            ['payments_orders.id'],
            name=op.f('fk_payments_coupon_redemptions_order_id_payments_orders'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_payments_coupon_redemptions_user_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments_coupon_redemptions')),
        sa.UniqueConstraint('order_id', name=op.f('uq_payments_coupon_redemptions_order_id')),
    )
    with op.batch_alter_table('payments_coupon_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_payments_coupon_redemptions_coupon_user', ['coupon_id', 'user_id'], unique=False)

    op.create_table(
        'payments_refunds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('provider_ref', sa.String(length=200), nullable=True),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('requested_by', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('completed_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('amount > 0', name=op.f('ck_payments_refunds_amount_positive')),
        sa.ForeignKeyConstraint(
            ['order_id'],
            ['payments_orders.id'],
            name=op.f('fk_payments_refunds_order_id_payments_orders'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['requested_by'], ['users.id'], name=op.f('fk_payments_refunds_requested_by_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments_refunds')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_refunds_idempotency_key')),
        sa.UniqueConstraint('order_id', 'provider_ref', name=op.f('uq_payments_refunds_order_id_provider_ref')),
    )
    with op.batch_alter_table('payments_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_refunds_order_id'), ['order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payments_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_refunds_order_id'))

    op.drop_table('payments_refunds')
    with op.batch_alter_table('payments_coupon_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_coupon_redemptions_coupon_user')

    op.drop_table('payments_coupon_redemptions')
    with op.batch_alter_table('payments_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_orders_user_id'))
        batch_op.drop_index('ix_payments_orders_user_course')
        batch_op.drop_index('ix_payments_orders_status_created')
        batch_op.drop_index(batch_op.f('ix_payments_orders_payment_ref'))
        batch_op.drop_index(batch_op.f('ix_payments_orders_course_id'))

    op.drop_table('payments_orders')
    with op.batch_alter_table('payments_prices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_prices_course_id'))

    op.drop_table('payments_prices')
    with op.batch_alter_table('payments_coupons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_coupons_course_id'))

    op.drop_table('payments_coupons')
    with op.batch_alter_table('payments_provider_events', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_provider_events_unprocessed')

    op.drop_table('payments_provider_events')
