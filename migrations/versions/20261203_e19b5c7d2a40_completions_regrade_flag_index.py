"""completions: a partial index on the regrade-flagged ones (the review queue reads them)

Revision ID: e19b5c7d2a40
Revises: e1f8a0c4d2b6
Create Date: 2026-12-03 22:40:00

Issue 19: the query-budget test's plans showed the admin review queue's "flagged by a
regrade" count and list reading every completion. The index holds only flagged rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "e19b5c7d2a40"
down_revision = "e1f8a0c4d2b6"
branch_labels = None
depends_on = None

WHERE = sa.text("regrade_flag IS NOT NULL")


def upgrade():
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_completions_regrade_flagged",
            ["completed_at", "id"],
            unique=False,
            postgresql_where=WHERE,
            sqlite_where=WHERE,
        )


def downgrade():
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.drop_index("ix_completions_regrade_flagged")
