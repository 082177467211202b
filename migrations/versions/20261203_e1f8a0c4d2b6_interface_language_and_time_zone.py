"""interface language and time zone on accounts; content language on modules

Revision ID: e1f8a0c4d2b6
Revises: 7e1a9c4d2b60
Create Date: 2026-12-03 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1f8a0c4d2b6'
down_revision = '7e1a9c4d2b60'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN (SQLite >= 3.35 has both natively): a batch copy of ``users`` would
    # trip the foreign keys that point at it.
    op.add_column('users', sa.Column('locale', sa.String(length=16), nullable=True))
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.add_column(
        'modules', sa.Column('language', sa.String(length=35), server_default='en', nullable=False)
    )


def downgrade():
    op.drop_column('modules', 'language')
    op.drop_column('users', 'time_zone')
    op.drop_column('users', 'locale')
