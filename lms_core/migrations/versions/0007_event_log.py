"""The durable event log: events and their deliveries (the transactional outbox)

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

from lms_core.models.base import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UNDELIVERED = sa.text('delivered_at IS NULL')


def upgrade():
    op.create_table(
        'events',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('hook', sa.String(length=100), nullable=False),
        sa.Column('user_key', sa.String(length=64), nullable=True),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    )
    op.create_table(
        'event_deliveries',
        sa.Column('event_id', sa.String(length=26), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('user_key', sa.String(length=64), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('given_up', sa.Boolean(), nullable=False),
        sa.Column('next_try_at', UTCDateTime(), nullable=False),
        sa.Column('delivered_at', UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['event_id'], ['events.id'], name=op.f('fk_event_deliveries_event_id_events'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('event_id', 'target', name=op.f('pk_event_deliveries')),
    )
    # Partial indexes: only deliveries still waiting are in them, so redelivery and the
    # admin view stay fast however many delivered rows the log keeps.
    op.create_index(
        'ix_event_deliveries_due',
        'event_deliveries',
        ['next_try_at'],
        postgresql_where=UNDELIVERED,
        sqlite_where=UNDELIVERED,
    )
    op.create_index(
        'ix_event_deliveries_waiting',
        'event_deliveries',
        ['target', 'user_key', 'event_id'],
        postgresql_where=UNDELIVERED,
        sqlite_where=UNDELIVERED,
    )


def downgrade():
    op.drop_index('ix_event_deliveries_waiting', table_name='event_deliveries')
    op.drop_index('ix_event_deliveries_due', table_name='event_deliveries')
    op.drop_table('event_deliveries')
    op.drop_table('events')
