"""The studio's trial import uploads live in the database (any app server can confirm them)

They were files in the instance folder's ``studio-imports/`` of the server that received the
upload. Uploads waiting there are not moved: they are at most an hour old and the uploader
checks the file again.

Revision ID: c51d0a7e93f2
Revises: 7a3c9e1f4b2d
Create Date: 2026-12-03 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c51d0a7e93f2"
down_revision = "7a3c9e1f4b2d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "studio_uploads",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("fmt", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_studio_uploads_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_studio_uploads")),
    )
    op.create_index(op.f("ix_studio_uploads_user_id"), "studio_uploads", ["user_id"])
    op.create_index(op.f("ix_studio_uploads_created_at"), "studio_uploads", ["created_at"])


def downgrade():
    op.drop_index(op.f("ix_studio_uploads_created_at"), table_name="studio_uploads")
    op.drop_index(op.f("ix_studio_uploads_user_id"), table_name="studio_uploads")
    op.drop_table("studio_uploads")
