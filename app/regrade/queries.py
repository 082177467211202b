"""Reads for the regrade page: the completions a regrade flagged for review."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.certificates.models import Completion


def flagged_completions(session: Session, limit: int = 200) -> list[Completion]:
    """Completions flagged by a regrade, oldest first, with trainee and program."""
    return list(
        session.scalars(
            sa.select(Completion)
            .where(Completion.regrade_flag.is_not(None))
            .options(joinedload(Completion.user), joinedload(Completion.program))
            .order_by(Completion.completed_at, Completion.id)
            .limit(limit)
        )
    )


def flagged_count(session: Session) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Completion)
            .where(Completion.regrade_flag.is_not(None))
        )
        or 0
    )
