"""users.sort_name: names as lists sort them, indexed (the cohort view pages in the database)

Revision ID: c2f7a8d4e6b1
Revises: b7d3e9a1c5f2
Create Date: 2026-12-04 14:00:00

Issue 19: the cohort view sorted every matching account in Python (``name.lower()``) to show
25; SQLite's ``lower()`` folds ASCII only, so the key is stored (``name_sort_key``) and
indexed with the id, and the database sorts and pages (docs/benchmarks.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "c2f7a8d4e6b1"
down_revision = "b7d3e9a1c5f2"
branch_labels = None
depends_on = None


def upgrade():
    # NOT NULL with a server default: SQLite adds it in place (altering nullability would copy
    # the table, which other tables' foreign keys forbid dropping).
    op.add_column(
        "users",
        sa.Column(
            "sort_name",
            # Code point order, as Python sorts (PostgreSQL's database collation may differ).
            sa.String(length=400).with_variant(sa.String(400, collation="C"), "postgresql"),
            nullable=False,
            server_default="",
        ),
    )
    conn = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("sort_name", sa.String),
    )
    rows = conn.execute(sa.select(users.c.id, users.c.name)).all()
    if rows:
        conn.execute(
            sa.update(users)
            .where(users.c.id == sa.bindparam("b_id"))
            .values(sort_name=sa.bindparam("b_sort")),
            [{"b_id": i, "b_sort": (n or "").lower()} for i, n in rows],
        )
    op.create_index("ix_users_sort_name", "users", ["sort_name", "id"], unique=False)


def downgrade():
    op.drop_index("ix_users_sort_name", table_name="users")
    op.drop_column("users", "sort_name")  # in place on SQLite 3.35+, as e1f8a0c4d2b6 does
