"""completions.regrade_flag: a completion a regrade no longer supports, flagged for review

A regrade (a corrected key or scoring rule) never revokes a certificate: when the completion
behind it is no longer earned, the completion is flagged (why and when, as text) and waits in
the admin queue for a person to decide. NULL: not flagged.

Revision ID: c5d1e2a3b4f6
Revises: c51d0a7e93f2
Create Date: 2026-12-03 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5d1e2a3b4f6"
down_revision = "c51d0a7e93f2"
branch_labels = None
depends_on = None


# Certificates point at completions: a batch (copy and drop) of the table would break their
# foreign keys on SQLite, so both directions alter the table in place (SQLite >= 3.35).


def upgrade():
    op.add_column("completions", sa.Column("regrade_flag", sa.Text(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE completions DROP COLUMN regrade_flag")
    else:
        op.drop_column("completions", "regrade_flag")
