"""Reads for the admin pages: users and the audit log, paginated."""

from __future__ import annotations

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


def audit_events(session: Session, page: int = 1, per_page: int = 50) -> Page:
    """Newest first, with each actor's e-mail (one query for rows, one for the count)."""
    rows = session.execute(
        sa.select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    return Page([(event, email) for event, email in rows], page, per_page, int(total))


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
