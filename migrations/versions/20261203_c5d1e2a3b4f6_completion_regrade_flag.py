"""completions.regrade_flag: a completion a regrade no longer supports, flagged for review

A regrade (a corrected key or scoring rule) never revokes a certificate: when the completion
behind it is no longer earned, the completion is flagged (why and when, as text) and waits in
the admin queue for a person to decide. NULL: not flagged.

Revision ID: c5d1e2a3b4f6
Revises: 7a3c9e1f4b2d
Create Date: 2026-12-03 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5d1e2a3b4f6"
down_revision = "7a3c9e1f4b2d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regrade_flag", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.drop_column("regrade_flag")
