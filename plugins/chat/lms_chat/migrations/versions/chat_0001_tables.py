"""The chat plugin's tables

Revision ID: chat_0001
Revises:
Create Date: 2026-12-01 23:00:00
"""

from alembic import op
import sqlalchemy as sa
import lms_core.models.base


revision = 'chat_0001'
down_revision = None
branch_labels = None
depends_on = None


def _when(name, nullable=True):
    return sa.Column(name, lms_core.models.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        'chat_rooms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.Column('learner_direct', sa.Boolean(), nullable=False),
        sa.Column('user_a_id', sa.Integer(), nullable=True),
        sa.Column('user_b_id', sa.Integer(), nullable=True),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        _when('created_at', False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_chat_rooms_course_id_courses'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_a_id'], ['users.id'], name=op.f('fk_chat_rooms_user_a_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_b_id'], ['users.id'], name=op.f('fk_chat_rooms_user_b_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_rooms')),
        sa.UniqueConstraint('key', name=op.f('uq_chat_rooms_key')),
    )
    op.create_index(op.f('ix_chat_rooms_course_id'), 'chat_rooms', ['course_id'])
    op.create_index('ix_chat_rooms_user_a', 'chat_rooms', ['user_a_id'])
    op.create_index('ix_chat_rooms_user_b', 'chat_rooms', ['user_b_id'])
    op.create_table(
        'chat_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('reply_to_id', sa.Integer(), nullable=True),
        _when('created_at', False),
        _when('edited_at'),
        _when('deleted_at'),
        sa.Column('deleted_by_id', sa.Integer(), nullable=True),
        _when('pinned_at'),
        sa.ForeignKeyConstraint(
            ['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_messages_room_id_chat_rooms'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['author_id'], ['users.id'], name=op.f('fk_chat_messages_author_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['reply_to_id'],
            ['chat_messages.id'],
            name=op.f('fk_chat_messages_reply_to_id_chat_messages'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['deleted_by_id'], ['users.id'], name=op.f('fk_chat_messages_deleted_by_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
        sa.UniqueConstraint('room_id', 'seq', name=op.f('uq_chat_messages_room_id_seq')),
        sa.UniqueConstraint('author_id', 'client_id', name=op.f('uq_chat_messages_author_id_client_id')),
    )
    op.create_table(
        'chat_reads',
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_read_seq', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_reads_room_id_chat_rooms'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_chat_reads_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('room_id', 'user_id', name=op.f('pk_chat_reads')),
    )
    op.create_index(op.f('ix_chat_reads_user_id'), 'chat_reads', ['user_id'])
    op.create_table(
        'chat_mutes',
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        _when('until', False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_mutes_room_id_chat_rooms'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_chat_mutes_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_chat_mutes_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('room_id', 'user_id', name=op.f('pk_chat_mutes')),
    )
    op.create_table(
        'chat_reactions',
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('emoji', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ['message_id'],
            ['chat_messages.id'],
            name=op.f('fk_chat_reactions_message_id_chat_messages'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_chat_reactions_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('message_id', 'user_id', 'emoji', name=op.f('pk_chat_reactions')),
    )
    op.create_table(
        'chat_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        _when('created_at', False),
        sa.ForeignKeyConstraint(
            ['message_id'],
            ['chat_messages.id'],
            name=op.f('fk_chat_reports_message_id_chat_messages'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['reporter_id'], ['users.id'], name=op.f('fk_chat_reports_reporter_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_reports')),
        sa.UniqueConstraint('message_id', 'reporter_id', name=op.f('uq_chat_reports_message_id_reporter_id')),
    )
    op.create_table(
        'chat_moderation_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('target_user_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.String(length=500), nullable=False),
        _when('created_at', False),
        sa.ForeignKeyConstraint(
            ['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_moderation_log_room_id_chat_rooms'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['actor_id'], ['users.id'], name=op.f('fk_chat_moderation_log_actor_id_users'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['message_id'],
            ['chat_messages.id'],
            name=op.f('fk_chat_moderation_log_message_id_chat_messages'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['target_user_id'],
            ['users.id'],
            name=op.f('fk_chat_moderation_log_target_user_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_moderation_log')),
    )
    op.create_index(op.f('ix_chat_moderation_log_room_id'), 'chat_moderation_log', ['room_id'])


def downgrade():
    for table in (
        'chat_moderation_log',
        'chat_reports',
        'chat_reactions',
        'chat_mutes',
        'chat_reads',
        'chat_messages',
        'chat_rooms',
    ):
        op.drop_table(table)
