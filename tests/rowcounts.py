"""Row counts of every table, to prove that a request recorded nothing."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db

AUDIT_TABLE = "audit_events"


def table_counts(session: Session) -> dict[str, int]:
    """Rows of every table of the schema (``db.metadata``), in one query."""
    tables = db.metadata.sorted_tables
    columns = [
        sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables
    ]
    row = session.execute(sa.select(*columns)).one()
    return dict(zip([t.name for t in tables], row, strict=True))


def without_audit(counts: dict[str, int]) -> dict[str, int]:
    """The counts but the audit log's (a refused request may write one ``access.denied``)."""
    return {name: n for name, n in counts.items() if name != AUDIT_TABLE}
