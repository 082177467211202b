"""Branding images kept in the database (``site_images``: logo, signature) and the one-click
unsubscribe URL of optional mail (``mail_outbox.list_unsubscribe``)

Revision ID: 9d2e4b7c1a05
Revises: d14e0a7c3b51
Create Date: 2026-12-03 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9d2e4b7c1a05"
down_revision = "d14e0a7c3b51"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_images",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"],
            name=op.f("fk_site_images_updated_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_images")),
    )
    # Plain ADD/DROP COLUMN (SQLite >= 3.35 has both), as for ``users``: no batch copy.
    op.add_column(
        "mail_outbox", sa.Column("list_unsubscribe", sa.String(length=1000), nullable=True)
    )


def downgrade():
    op.drop_column("mail_outbox", "list_unsubscribe")
    op.drop_table("site_images")
