"""Course images for the catalogue (issue 11)

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa

import lms_core.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'course_images',
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('updated_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_course_images_course_id_courses'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('course_id', name=op.f('pk_course_images')),
    )


def downgrade():
    op.drop_table('course_images')
