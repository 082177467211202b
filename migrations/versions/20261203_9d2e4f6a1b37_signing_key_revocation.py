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


def upgrade():
    with op.batch_alter_table("signing_keys") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("revoked_at")
