"""item_exposures and exposure_counts: what the draw serves, kept as it serves it

Revision ID: d5e1b8c3f7a2
Revises: c2f7a8d4e6b1
Create Date: 2026-12-04 17:30:00

Issue 19: a start counted, for every question of the pool, the distinct trainees ever served
it over every attempt item, so a start grew with the module's history (26 ms at 50 earlier
exams, 410 ms at 5,000). The start now records its trainee's first serving of each item and
raises a count (``app/quiz/exposure.py``); the draw reads the counts. The backfill recounts
from the attempt items, as ``exposure.rebuild`` does.
"""

import sqlalchemy as sa
from alembic import op

revision = "d5e1b8c3f7a2"
down_revision = "c2f7a8d4e6b1"
branch_labels = None
depends_on = None

KINDS = ("question", "case")


def _kind(name: str) -> sa.Enum:
    return sa.Enum(*KINDS, name=name, native_enum=False, create_constraint=True, length=8)


def upgrade():
    op.create_table(
        "item_exposures",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind("exposure_kind"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_item_exposures_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "item_id", name=op.f("pk_item_exposures")),
    )
    op.create_table(
        "exposure_counts",
        sa.Column("kind", _kind("exposure_count_kind"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("trainees", sa.Integer(), nullable=False),
        sa.CheckConstraint("trainees >= 1", name=op.f("ck_exposure_counts_trainees_positive")),
        sa.PrimaryKeyConstraint("kind", "item_id", name=op.f("pk_exposure_counts")),
    )
    served = {
        "question": "SELECT DISTINCT a.user_id AS user_id, qv.question_id AS item_id FROM attempt_items ai"
        " JOIN attempts a ON a.id = ai.attempt_id"
        " JOIN question_versions qv ON qv.id = ai.question_version_id",
        "case": "SELECT DISTINCT a.user_id AS user_id, cv.case_id AS item_id FROM attempt_items ai"
        " JOIN attempts a ON a.id = ai.attempt_id"
        " JOIN case_versions cv ON cv.id = ai.case_version_id",
    }
    for kind, select in served.items():
        op.execute(
            sa.text(
                "INSERT INTO item_exposures (user_id, kind, item_id)"
                f" SELECT s.user_id, '{kind}', s.item_id FROM ({select}) AS s"
            )
        )
    op.execute(
        "INSERT INTO exposure_counts (kind, item_id, trainees)"
        " SELECT kind, item_id, count(*) FROM item_exposures GROUP BY kind, item_id"
    )


def downgrade():
    op.drop_table("exposure_counts")
    op.drop_table("item_exposures")
