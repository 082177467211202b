"""derived_results: computed results kept until their inputs change

Revision ID: b7d3e9a1c5f2
Revises: a4c8e2f61d93
Create Date: 2026-12-04 14:00:00

Issue 19: the studio's item analysis and the review queue's identical-answers flags read every
first attempt or cohort peer (seconds at 20,000 trainees). app/derived keeps each result under
a stamp of what it was computed from (docs/benchmarks.md).
"""

import sqlalchemy as sa
from alembic import op


revision = "b7d3e9a1c5f2"
down_revision = "a4c8e2f61d93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "derived_results",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("compute_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject", name=op.f("pk_derived_results")),
    )


def downgrade():
    op.drop_table("derived_results")
