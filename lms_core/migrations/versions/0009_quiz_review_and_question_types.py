"""Quiz review policies and deadlines, numeric/matching/ordering/essay questions, essay grading

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

import lms_core.models.base

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_policy', sa.String(length=24), nullable=False, server_default='never'))
        batch_op.add_column(sa.Column('due_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tolerance', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('feedback', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('choices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match', sa.Text(), nullable=True))
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_grading', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('manual_scores', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('comments', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('graded_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('graded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_attempts_graded_by_id_users'), 'users', ['graded_by_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attempts_graded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('graded_by_id')
        batch_op.drop_column('graded_at')
        batch_op.drop_column('comments')
        batch_op.drop_column('manual_scores')
        batch_op.drop_column('needs_grading')
    with op.batch_alter_table('choices', schema=None) as batch_op:
        batch_op.drop_column('match')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('feedback')
        batch_op.drop_column('tolerance')
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('due_at')
        batch_op.drop_column('review_policy')
