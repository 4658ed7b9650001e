"""Enrolments indexed by course, status and user (in place of course alone): a course's
learners in a state are counted and listed from the index, without reading 5,000 rows
(issue 8)

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollments') as batch:
        batch.create_index('ix_enrollments_course_id_status_user_id', ['course_id', 'status', 'user_id'], unique=False)
        batch.drop_index('ix_enrollments_course_id')


def downgrade():
    with op.batch_alter_table('enrollments') as batch:
        batch.create_index('ix_enrollments_course_id', ['course_id'], unique=False)
        batch.drop_index('ix_enrollments_course_id_status_user_id')
