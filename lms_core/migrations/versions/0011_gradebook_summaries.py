"""The gradebook's per-learner summary for the "failing" and "missing" filters (issue 11)

Revision ID: 0011
Revises: 0010

No backfill is written here: a course's summary rows are computed (by the current code
and the enabled plugins, which a migration cannot call) when its gradebook is first
filtered, or ahead of time by ``lms gradebook summarise``.
"""

from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'gradebook_summaries',
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('layout', sa.String(length=40), nullable=False),
        sa.Column('stale', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('total', sa.Float(), nullable=True),
        sa.Column('passed', sa.Boolean(), nullable=True),
        sa.Column('missing_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_gradebook_summaries_course_id_courses'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_gradebook_summaries_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('course_id', 'user_id', name=op.f('pk_gradebook_summaries')),
    )
    op.create_index('ix_gradebook_summaries_user_id', 'gradebook_summaries', ['user_id'])


def downgrade():
    op.drop_index('ix_gradebook_summaries_user_id', table_name='gradebook_summaries')
    op.drop_table('gradebook_summaries')
