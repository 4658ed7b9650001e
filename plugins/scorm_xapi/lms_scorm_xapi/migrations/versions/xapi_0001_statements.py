"""xAPI: statements and their sending log, learners' sending slots, the LRS settings

Revision ID: xapi_0001
Revises:
Create Date: 2026-12-01 23:00:00
"""

from alembic import op
import sqlalchemy as sa
import lms_core.models.base


revision = 'xapi_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scorm_xapi_statements',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('order_key', sa.String(length=40), nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('verb', sa.String(length=32), nullable=False),
        sa.Column('object_kind', sa.String(length=32), nullable=False),
        sa.Column('object_name', sa.String(length=300), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('retried', sa.Integer(), nullable=False),
        sa.Column('next_try_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_status', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('duplicate', sa.Boolean(), nullable=False),
        sa.Column('created_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_scorm_xapi_statements_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_xapi_statements')),
    )
    with op.batch_alter_table('scorm_xapi_statements', schema=None) as batch_op:
        batch_op.create_index(
            'ix_scorm_xapi_statements_learner_queue', ['user_id', 'status', 'order_key'], unique=False
        )
        batch_op.create_index('ix_scorm_xapi_statements_due', ['status', 'next_try_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorm_xapi_statements_order_key'), ['order_key'], unique=False)

    op.create_table(
        'scorm_xapi_lrs_learners',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('claimed_until', lms_core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_scorm_xapi_lrs_learners_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_scorm_xapi_lrs_learners')),
    )
    op.create_table(
        'scorm_xapi_lrs_settings',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_scorm_xapi_lrs_settings')),
    )


def downgrade():
    op.drop_table('scorm_xapi_lrs_settings')
    op.drop_table('scorm_xapi_lrs_learners')
    with op.batch_alter_table('scorm_xapi_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorm_xapi_statements_order_key'))
        batch_op.drop_index('ix_scorm_xapi_statements_due')
        batch_op.drop_index('ix_scorm_xapi_statements_learner_queue')
    op.drop_table('scorm_xapi_statements')
