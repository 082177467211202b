"""Reads of rule changes: the administrator's queue and a target's history."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.auth.models import User
from app.rules.models import ChangeState, RuleChange

RECENT = 50


@dataclass(frozen=True)
class ChangeRow:
    change: RuleChange
    proposer: str
    decider: str | None


def _rows(session: Session, query: sa.Select) -> list[ChangeRow]:
    return [ChangeRow(c, p, d) for c, p, d in session.execute(query).all()]


def _select() -> sa.Select:
    proposer, decider = aliased(User), aliased(User)
    return (
        sa.select(RuleChange, proposer.email, decider.email)
        .join(proposer, proposer.id == RuleChange.proposed_by)
        .outerjoin(decider, decider.id == RuleChange.decided_by)
    )


def pending(session: Session) -> list[ChangeRow]:
    """Every pending change, oldest first (the administrator's queue)."""
    query = _select().where(RuleChange.state == ChangeState.PENDING)
    return _rows(session, query.order_by(RuleChange.proposed_at, RuleChange.id))


def recent_decided(session: Session, limit: int = RECENT) -> list[ChangeRow]:
    query = _select().where(RuleChange.state != ChangeState.PENDING)
    return _rows(session, query.order_by(RuleChange.decided_at.desc()).limit(limit))


def for_target(session: Session, kind: str, slug: str, limit: int = RECENT) -> list[ChangeRow]:
    """A module's or program's changes, newest first."""
    query = _select().where(RuleChange.target_kind == kind, RuleChange.target_slug == slug)
    return _rows(session, query.order_by(RuleChange.proposed_at.desc()).limit(limit))


def pending_count(session: Session) -> int:
    return (
        session.scalar(sa.select(sa.func.count()).where(RuleChange.state == ChangeState.PENDING))
        or 0
    )
