"""Accommodations (a trainee's time factor and extra attempts, one row per grant) and deadline
extensions of attempts

Revision ID: 3f6a1c2d8e90
Revises: c5d1e2a3b4f6
Create Date: 2026-12-03 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3f6a1c2d8e90"
down_revision = "c5d1e2a3b4f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "accommodations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("time_factor", sa.Float(), nullable=False),
        sa.Column("extra_attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "time_factor >= 1.0 AND time_factor <= 4.0",
            name=op.f("ck_accommodations_time_factor_in_range"),
        ),
        sa.CheckConstraint(
            "extra_attempts >= 0 AND extra_attempts <= 10",
            name=op.f("ck_accommodations_extra_attempts_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_accommodations_user_id_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"],
            name=op.f("fk_accommodations_granted_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accommodations")),
    )
    op.create_index(
        op.f("ix_accommodations_user_id"), "accommodations", ["user_id"], unique=False
    )
    op.create_table(
        "attempt_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("deadline_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "minutes >= 1 AND minutes <= 480",
            name=op.f("ck_attempt_extensions_minutes_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"],
            name=op.f("fk_attempt_extensions_attempt_id_attempts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"],
            name=op.f("fk_attempt_extensions_granted_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_extensions")),
    )
    op.create_index(
        op.f("ix_attempt_extensions_attempt_id"), "attempt_extensions", ["attempt_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_attempt_extensions_attempt_id"), table_name="attempt_extensions")
    op.drop_table("attempt_extensions")
    op.drop_index(op.f("ix_accommodations_user_id"), table_name="accommodations")
    op.drop_table("accommodations")
