"""Reviewer notes of case versions and case steps (issue 14): authoring notes for reviewers,
never shown to a trainee; kept with each version as the bank file has them.

Revision ID: d14e0a7c3b51
Revises: 9d2e4f6a1b37
Create Date: 2026-12-03 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d14e0a7c3b51"
down_revision = "9d2e4f6a1b37"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_versions") as batch:
        batch.add_column(
            sa.Column("reviewer_notes", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("case_steps") as batch:
        batch.add_column(
            sa.Column("reviewer_notes", sa.Text(), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("case_steps") as batch:
        batch.drop_column("reviewer_notes")
    with op.batch_alter_table("case_versions") as batch:
        batch.drop_column("reviewer_notes")
