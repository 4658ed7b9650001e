"""The gradebook: settings, categories, item placements and overrides with their history

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa

from lms_core.models.base import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'gradebook_settings',
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('pass_percent', sa.Float(), nullable=False),
        sa.Column('other_weight', sa.Float(), nullable=False),
        sa.Column('letter_scale', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_gradebook_settings_course_id_courses'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('course_id', name=op.f('pk_gradebook_settings')),
    )
    op.create_table(
        'gradebook_categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('drop_lowest', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_gradebook_categories_course_id_courses'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_categories')),
        sa.UniqueConstraint('course_id', 'name', name=op.f('uq_gradebook_categories_course_id_name')),
    )
    op.create_index(op.f('ix_gradebook_categories_course_id'), 'gradebook_categories', ['course_id'])
    op.create_table(
        'gradebook_placements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=120), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_gradebook_placements_course_id_courses'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['category_id'],
            ['gradebook_categories.id'],
            name=op.f('fk_gradebook_placements_category_id_gradebook_categories'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_placements')),
        sa.UniqueConstraint('course_id', 'item_key', name=op.f('uq_gradebook_placements_course_id_item_key')),
    )
    op.create_index(op.f('ix_gradebook_placements_category_id'), 'gradebook_placements', ['category_id'])
    op.create_table(
        'gradebook_overrides',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=120), nullable=False),
        sa.Column('points', sa.Float(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_gradebook_overrides_course_id_courses'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_gradebook_overrides_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['changed_by_id'],
            ['users.id'],
            name=op.f('fk_gradebook_overrides_changed_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_overrides')),
    )
    op.create_index(op.f('ix_gradebook_overrides_user_id'), 'gradebook_overrides', ['user_id'])
    op.create_index('ix_gradebook_overrides_lookup', 'gradebook_overrides', ['course_id', 'user_id', 'item_key', 'id'])


def downgrade():
    op.drop_index('ix_gradebook_overrides_lookup', table_name='gradebook_overrides')
    op.drop_index(op.f('ix_gradebook_overrides_user_id'), table_name='gradebook_overrides')
    op.drop_table('gradebook_overrides')
    op.drop_index(op.f('ix_gradebook_placements_category_id'), table_name='gradebook_placements')
    op.drop_table('gradebook_placements')
    op.drop_index(op.f('ix_gradebook_categories_course_id'), table_name='gradebook_categories')
    op.drop_table('gradebook_categories')
    op.drop_table('gradebook_settings')
