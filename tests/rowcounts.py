"""Row counts (and rows) of every table, to prove that a request recorded nothing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db

AUDIT_TABLE = "audit_events"
# Results kept until their inputs change (app/derived): a read may write them, and they hold
# nothing that cannot be computed again from the other tables, so they are not state here.
DERIVED_TABLES = frozenset({"derived_results"})


def _state_tables() -> list[sa.Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in DERIVED_TABLES]


def table_counts(session: Session) -> dict[str, int]:
    """Rows of every table of the schema (``db.metadata``) but the derived ones, in one query."""
    tables = _state_tables()
    columns = [
        sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables
    ]
    row = session.execute(sa.select(*columns)).one()
    return dict(zip([t.name for t in tables], row, strict=True))


def without_audit(tables: dict[str, Any]) -> dict[str, Any]:
    """Counts or rows of every table but the audit log (a refused request may write one
    ``access.denied`` event)."""
    return {name: n for name, n in tables.items() if name != AUDIT_TABLE}


def table_rows(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, by primary key: equal before and after means nothing was
    inserted, updated or deleted (a counter moved by one shows here, not in the counts)."""
    out: dict[str, list[tuple[object, ...]]] = {}
    for table in _state_tables():
        order = list(table.primary_key.columns) or list(table.columns)
        out[table.name] = [tuple(r) for r in session.execute(sa.select(table).order_by(*order))]
    return out
