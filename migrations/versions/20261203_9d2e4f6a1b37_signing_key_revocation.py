"""Signing keys can be revoked (compromised): the issuer profile then marks the key revoked

Revision ID: 9d2e4f6a1b37
Revises: 3f6a1c2d8e90
Create Date: 2026-12-03 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9d2e4f6a1b37"
down_revision = "3f6a1c2d8e90"
branch_labels = None
depends_on = None


# Certificates point at signing keys: a batch (copy and drop) of the table would break their
# foreign keys on SQLite, so both directions alter the table in place (SQLite >= 3.35).


def upgrade():
    op.add_column("signing_keys", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE signing_keys DROP COLUMN revoked_at")
    else:
        op.drop_column("signing_keys", "revoked_at")
