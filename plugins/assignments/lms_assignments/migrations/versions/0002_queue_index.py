"""The grading queue walks an assignment's hand-ins in hand-in order

Revision ID: assignments_0002
Revises: assignments_0001
"""

from alembic import op

revision = 'assignments_0002'
down_revision = 'assignments_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_assignments_submissions_assignment_submitted', 'assignments_submissions', ['assignment_id', 'submitted_at']
    )


def downgrade():
    op.drop_index('ix_assignments_submissions_assignment_submitted', table_name='assignments_submissions')
