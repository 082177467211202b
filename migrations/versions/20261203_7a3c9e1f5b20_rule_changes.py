"""rule_changes: reviewed changes to a module's or a program's rules (issue 12)

One table of proposals (the changed fields' proposed and former values, proposer, reason,
source and the method's figures) and their decision (applied, rejected, withdrawn); at most
one pending proposal per target.

Revision ID: 7a3c9e1f5b20
Revises: 5e1c0a7b2d94
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7a3c9e1f5b20"
down_revision = "5e1c0a7b2d94"
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade():
    op.create_table(
        "rule_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_slug", sa.String(length=80), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "applied",
                "rejected",
                "withdrawn",
                name="rule_change_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["users.id"],
            name=op.f("fk_rule_changes_proposed_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_rule_changes_decided_by_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_changes")),
    )
    with op.batch_alter_table("rule_changes", schema=None) as batch_op:
        batch_op.create_index("ix_rule_changes_target", ["target_kind", "target_slug"])
        batch_op.create_index("ix_rule_changes_state", ["state"])
        batch_op.create_index(
            "uq_rule_changes_one_pending",
            ["target_kind", "target_slug"],
            unique=True,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )


def downgrade():
    with op.batch_alter_table("rule_changes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_rule_changes_one_pending", postgresql_where=PENDING, sqlite_where=PENDING
        )
        batch_op.drop_index("ix_rule_changes_state")
        batch_op.drop_index("ix_rule_changes_target")
    op.drop_table("rule_changes")
