"""Teachers choose how they hear of hand-ins: each, or a daily summary

Revision ID: assignments_0003
Revises: assignments_0002
"""

from alembic import op
import sqlalchemy as sa

from lms_core.models.base import UTCDateTime

revision = 'assignments_0003'
down_revision = 'assignments_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assignments_teacher_notices',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=8), nullable=False),
        sa.Column('digest_until', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_assignments_teacher_notices_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_assignments_teacher_notices')),
    )


def downgrade():
    op.drop_table('assignments_teacher_notices')
