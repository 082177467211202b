"""attempts: an index leading by module (item analysis reads one module's first attempts)

Revision ID: a4c8e2f61d93
Revises: e19b5c7d2a40
Create Date: 2026-12-04 05:00:00

Issue 19: bench/explain.py on PostgreSQL (a 20,000-trainee institution and a small module
beside it) showed the item analysis of the small module reading every attempt of the
institution twice (``WHERE module_id = ? AND mode = 'exam' GROUP BY user_id``, then the join
back on user and attempt number): no index began with ``module_id``. (module, user, attempt
number) serves both the first-attempt subquery and the join (docs/benchmarks.md).
"""

from alembic import op

revision = "a4c8e2f61d93"
down_revision = "e19b5c7d2a40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempts_module_user", ["module_id", "user_id", "attempt_no"], unique=False
        )


def downgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_attempts_module_user")
