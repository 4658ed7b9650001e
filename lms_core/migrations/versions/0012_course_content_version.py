"""A course's content version, bumped by every change of its lessons, quizzes,
translations or settings, so the course page can keep its outline between requests (issue 8)

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses') as batch:
        batch.add_column(sa.Column('content_version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('courses') as batch:
        batch.drop_column('content_version')
