"""lti context instructors: who may pull a course's roster

Revision ID: 7c1e4b2a9d30
Revises: 6ba11cea8104
Create Date: 2026-12-03 22:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e4b2a9d30'
down_revision = '6ba11cea8104'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lti_context_instructors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_row_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_launch_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_row_id'], ['lti_contexts.id'], name=op.f('fk_lti_context_instructors_context_row_id_lti_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_context_instructors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_context_instructors')),
    sa.UniqueConstraint('context_row_id', 'user_id', name=op.f('uq_lti_context_instructors_context_row_id'))
    )
    with op.batch_alter_table('lti_context_instructors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_context_instructors_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lti_context_instructors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_context_instructors_user_id'))

    op.drop_table('lti_context_instructors')
