"""SCORM 2004 navigation of each SCO (its parent's controlMode, hidden LMS controls)

Revision ID: scorm_0002
Revises: scorm_0001
Create Date: 2026-12-02 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'scorm_0002'
down_revision = 'scorm_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scorm_xapi_scos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('navigation', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('scorm_xapi_scos', schema=None) as batch_op:
        batch_op.drop_column('navigation')
