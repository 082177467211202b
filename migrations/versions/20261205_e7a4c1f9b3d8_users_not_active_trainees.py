"""ix_users_not_active_trainees: a cohort's members counted without reading their accounts

Revision ID: e7a4c1f9b3d8
Revises: d5e1b8c3f7a2
Create Date: 2026-12-05 16:30:00

Issue 19: the cohort view counted its matching accounts, reading the account of every member
(a 20,000-trainee cohort: 18 ms on PostgreSQL, twice its small size's page). The count now takes
the cohort's enrolments less the accounts that are not active trainees, which this partial
index holds (a few rows: staff and deactivated accounts). docs/benchmarks.md.
"""

import sqlalchemy as sa
from alembic import op

revision = "e7a4c1f9b3d8"
down_revision = "d5e1b8c3f7a2"
branch_labels = None
depends_on = None

PREDICATE = "role <> 'trainee' OR NOT is_active"


def upgrade():
    op.create_index(
        "ix_users_not_active_trainees",
        "users",
        ["id"],
        unique=False,
        postgresql_where=sa.text(PREDICATE),
        sqlite_where=sa.text(PREDICATE),
    )


def downgrade():
    op.drop_index("ix_users_not_active_trainees", table_name="users")
