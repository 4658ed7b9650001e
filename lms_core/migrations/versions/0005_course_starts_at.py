"""Courses may have a start date (courses.starts_at)

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

import lms_core.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_courses_starts_at'), ['starts_at'], unique=False)


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_starts_at'))
        batch_op.drop_column('starts_at')
