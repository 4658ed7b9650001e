"""Indexes for pages whose cost must not grow with the platform

Revision ID: 0006
Revises: 0005

- activity_facts (user_id, course_id): a learner's time in a course (students page,
  course page) without reading their time in every other course;
- users (name, id): the students page lists a course's learners by name, one page at
  a time, without sorting every learner of a big course.
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_activity_facts_user_course', 'activity_facts', ['user_id', 'course_id'])
    op.create_index('ix_users_name', 'users', ['name', 'id'])


def downgrade():
    op.drop_index('ix_users_name', table_name='users')
    op.drop_index('ix_activity_facts_user_course', table_name='activity_facts')
