"""Reads for the admin pages: users and the audit log, paginated."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import User
from app.certificates.models import Completion, CompletionStatus
from app.certificates.queries import Page
from app.mail.models import OutboxMessage, OutboxStatus


def users(session: Session, search: str = "", page: int = 1, per_page: int = 50) -> Page:
    query = sa.select(User)
    count = sa.select(sa.func.count()).select_from(User)
    term = search.strip().lower()
    if term:
        like = f"%{term}%"
        cond = sa.or_(sa.func.lower(User.email).like(like), sa.func.lower(User.name).like(like))
        query, count = query.where(cond), count.where(cond)
    items = session.scalars(
        query.order_by(User.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, int(session.scalar(count) or 0))


@dataclass(frozen=True)
class AuditFilter:
    """Audit log filters; empty values filter nothing. ``until`` is inclusive (whole day)."""

    actor: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: date | None = None
    until: date | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        conds: list[sa.ColumnElement[bool]] = []
        if self.actor.strip():
            conds.append(
                sa.func.lower(User.email).contains(self.actor.strip().lower(), autoescape=True)
            )
        if self.action.strip():
            conds.append(AuditEvent.action.startswith(self.action.strip(), autoescape=True))
        if self.subject_type.strip():
            conds.append(AuditEvent.subject_type == self.subject_type.strip())
        if self.subject_id.strip():
            conds.append(AuditEvent.subject_id == self.subject_id.strip())
        if self.since:
            conds.append(AuditEvent.at >= datetime.combine(self.since, time(), UTC))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time(), UTC)
            conds.append(AuditEvent.at < end)
        return conds


def _audit_select(filters: AuditFilter) -> sa.Select:
    return (
        sa.select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*filters.conditions())
    )


def audit_events(
    session: Session, page: int = 1, per_page: int = 50, filters: AuditFilter | None = None
) -> Page:
    """Newest first, with each actor's e-mail (one query for rows, one for the count)."""
    filters = filters or AuditFilter()
    rows = session.execute(
        _audit_select(filters)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*filters.conditions())
    )
    return Page([(event, email) for event, email in rows], page, per_page, int(total or 0))


def audit_rows(
    session: Session, filters: AuditFilter, batch: int = 1000
) -> Iterator[tuple[AuditEvent, str | None]]:
    """Every matching event, oldest first, read in batches (for the CSV export)."""
    last_id = 0
    while True:
        chunk = session.execute(
            _audit_select(filters)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        if not chunk:
            return
        yield from ((event, email) for event, email in chunk)
        last_id = chunk[-1][0].id


def pending_count(session: Session) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Completion)
            .where(Completion.status == CompletionStatus.PENDING)
        )
        or 0
    )


def regrade_flagged_count(session: Session) -> int:
    """Completions a regrade flagged for review (decided on /admin/regrade)."""
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Completion)
            .where(Completion.regrade_flag.is_not(None))
        )
        or 0
    )


def outbox(session: Session, status: str = "", page: int = 1, per_page: int = 50) -> Page:
    """The mail outbox, newest first, optionally of one status."""
    query = sa.select(OutboxMessage)
    count = sa.select(sa.func.count()).select_from(OutboxMessage)
    if status in set(OutboxStatus):
        query = query.where(OutboxMessage.status == OutboxStatus(status))
        count = count.where(OutboxMessage.status == OutboxStatus(status))
    items = session.scalars(
        query.order_by(OutboxMessage.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, int(session.scalar(count) or 0))
