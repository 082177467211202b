"""Audit log: a hash chain over every event, and on PostgreSQL a trigger refusing UPDATE/DELETE.

Existing events are chained in id order. Grants alone do not bind the superuser that tests and
small installs use, so the database itself refuses edits: the trigger raises for UPDATE and
DELETE (TRUNCATE, an operator's act on the whole table, is not a row event and stays possible).

Revision ID: 5d1e0c2a9b7f
Revises: 99f5d9cd9834
Create Date: 2026-12-03
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "5d1e0c2a9b7f"
down_revision = "99f5d9cd9834"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _hash(prev: str, row: sa.Row) -> str:
    # Frozen copy of app/audit/chain.py event_hash at this revision (migrations never import app).
    at = row.at
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    details = row.details
    if isinstance(details, str):
        details = json.loads(details)
    content = {
        "prev": prev,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": row.actor_id,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "details": details or {},
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))

    conn = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    rows = conn.execute(
        sa.text(
            "SELECT id, at, actor_id, action, subject_type, subject_id, details "
            "FROM audit_events ORDER BY id"
        )
    ).all()
    prev = GENESIS
    for row in rows:
        digest = _hash(prev, row)
        conn.execute(
            events.update().where(events.c.id == row.id).values(prev_hash=prev, hash=digest)
        )
        prev = digest

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_prev_hash"), ["prev_hash"])
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_hash"), ["hash"])

    if conn.dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_hash"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_audit_events_prev_hash"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
