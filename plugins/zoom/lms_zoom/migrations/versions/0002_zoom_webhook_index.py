"""Live lectures: an index for the repair task's look for webhooks never handled

Revision ID: zoom_0002
Revises: zoom_0001
"""

from alembic import op

revision = "zoom_0002"
down_revision = "zoom_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("zoom_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_zoom_webhook_deliveries_unhandled", ["processed_at", "received_at"], unique=False)


def downgrade():
    with op.batch_alter_table("zoom_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_zoom_webhook_deliveries_unhandled")
