"""Files in messages, topic channels, a change number per message

Revision ID: chat_0002
Revises: chat_0001
Create Date: 2026-12-02 03:00:00
"""

from alembic import op
import sqlalchemy as sa
import lms_core.models.base


revision = 'chat_0002'
down_revision = 'chat_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('chat_rooms') as batch:
        batch.add_column(sa.Column('last_change', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('title', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('archived_at', lms_core.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('chat_messages') as batch:
        batch.add_column(sa.Column('change_seq', sa.Integer(), nullable=False, server_default='0'))
    # What happened so far counts as one change per message, in the order of the numbers.
    op.execute('UPDATE chat_messages SET change_seq = seq')
    op.execute('UPDATE chat_rooms SET last_change = last_seq')
    op.create_index('ix_chat_messages_room_change', 'chat_messages', ['room_id', 'change_seq'])
    op.create_table(
        'chat_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=80), nullable=False),
        sa.Column('original_name', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('image', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['message_id'],
            ['chat_messages.id'],
            name=op.f('fk_chat_attachments_message_id_chat_messages'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_attachments')),
        sa.UniqueConstraint('message_id', name=op.f('uq_chat_attachments_message_id')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_chat_attachments_stored_name')),
    )


def downgrade():
    op.drop_table('chat_attachments')
    op.drop_index('ix_chat_messages_room_change', 'chat_messages')
    with op.batch_alter_table('chat_messages') as batch:
        batch.drop_column('change_seq')
    with op.batch_alter_table('chat_rooms') as batch:
        batch.drop_column('archived_at')
        batch.drop_column('title')
        batch.drop_column('last_change')
