"""Find the notifications that are due and write each once to the outbox.

Due notifications are read from the records, not hooked into the actions, so that a missed
run loses nothing and a second run sends nothing twice (``notifications_sent`` has one unique
row per kind, subject and recipient, inserted in the same transaction as the outbox row):

- ``completion.pending``: to every active administrator, a completion waiting for review;
- ``completion.rejected``: to the trainee, with the reviewer's note;
- ``certificate.issued`` and ``certificate.revoked`` (with the reason): to the holder;
- ``certificate.expiring.60`` and ``.14``: to the holder of a current certificate 60 and 14
  days before it expires (only the 14-day one when the first run is already inside 14 days),
  unless they unsubscribed from reminders (the only kind with an unsubscribe link: the others
  are about the recipient's own results and certificates). A reminder also carries the
  one-click ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers (RFC 8058): a mail
  client POSTs ``List-Unsubscribe=One-Click`` to the same token URL.

Events older than ``lookback`` are not notified, so switching notifications on does not mail
the history. Not built here: logbook entries (their records do not exist yet). An accommodation
granted is mailed by ``app.auth.accommodations.grant``, in the grant's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.certificates.models import Certificate, Completion, CompletionStatus
from app.certificates.services import cpd_hours
from app.errors import DomainError
from app.i18n import in_language_of
from app.i18n import lazy_gettext as _l
from app.mail.outbox import queue
from app.notify.models import NotificationOptOut, NotificationSent

REMINDERS = "reminders"
REMINDER_DAYS = (60, 14)
DEFAULT_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class NotifyContext:
    secret: str
    url: Callable[..., str]
    site_name: str


@dataclass(frozen=True)
class Due:
    kind: str
    subject_key: str
    user: User
    template: str
    subject: Any  # a lazy string: made text in the recipient's language when it is sent
    context: dict[str, Any] = field(default_factory=dict)
    unsubscribe_url: str | None = None
    """Set for a mail the recipient may opt out of (the expiry reminders): sent as the one-click
    ``List-Unsubscribe`` header (RFC 8058) as well as the link in the body."""


class UnsubscribeInvalid(DomainError):
    code = "link_invalid"
    status = 400
    message = _l("This unsubscribe link is not valid.")


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="notify/unsubscribe")


def unsubscribe_token(secret: str, user_id: int, category: str = REMINDERS) -> str:
    """A link that does not expire: an unsubscribe must work whenever it is followed."""
    return str(_serializer(secret).dumps({"uid": user_id, "cat": category}))


def read_unsubscribe(session: Session, secret: str, token: str) -> tuple[User, str]:
    try:
        payload = _serializer(secret).loads(token)
    except BadSignature:
        raise UnsubscribeInvalid() from None
    user = session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or payload.get("cat") != REMINDERS:
        raise UnsubscribeInvalid()
    return user, REMINDERS


def unsubscribe(session: Session, user: User, category: str) -> bool:
    """Opt ``user`` out of ``category`` (audited); False when already out."""
    if session.get(NotificationOptOut, (user.id, category)) is not None:
        return False
    session.add(NotificationOptOut(user_id=user.id, category=category, created_at=clock.utcnow()))
    session.flush()
    record(session, user, "notify.unsubscribed", "user", user.id, {"category": category})
    return True


def _admins(session: Session) -> list[User]:
    return list(
        session.scalars(
            sa.select(User).where(
                User.role == Role.ADMIN, User.is_active, User.email_verified_at.is_not(None)
            )
        )
    )


def _pending(session: Session, since: datetime, ctx: NotifyContext) -> Iterator[Due]:
    pending = session.scalars(
        sa.select(Completion)
        .options(joinedload(Completion.user), joinedload(Completion.program))
        .where(Completion.status == CompletionStatus.PENDING, Completion.completed_at >= since)
    ).all()
    admins = _admins(session) if pending else []
    for c in pending:
        context = {
            "trainee": c.user.name,
            "program": c.program.title,
            "queue_url": ctx.url("admin.completions"),
        }
        subject = _l("A completion waits for review: %(program)s", program=c.program.title)
        for admin in admins:
            key = f"completion:{c.id}"
            yield Due(
                "completion.pending", key, admin, "notify_completion_pending", subject, context
            )


def _rejected(session: Session, since: datetime, ctx: NotifyContext) -> Iterator[Due]:
    rejected = session.scalars(
        sa.select(Completion)
        .options(joinedload(Completion.user), joinedload(Completion.program))
        .where(Completion.status == CompletionStatus.REJECTED, Completion.reviewed_at >= since)
    ).all()
    for c in rejected:
        context = {"program": c.program.title, "note": c.note, "url": ctx.url("certificates.mine")}
        subject = _l("Your completion of %(program)s was not approved", program=c.program.title)
        key = f"completion:{c.id}"
        yield Due(
            "completion.rejected", key, c.user, "notify_completion_rejected", subject, context
        )


def _certificate_context(cert: Certificate, ctx: NotifyContext) -> dict[str, Any]:
    return {
        "program": cert.program_title,
        "serial": cert.serial,
        "valid_until": cert.valid_until.date().isoformat(),
        "url": ctx.url("certificates.mine"),
    }


def _issued_and_revoked(session: Session, since: datetime, ctx: NotifyContext) -> Iterator[Due]:
    with_user = sa.select(Certificate).options(joinedload(Certificate.user))
    for cert in session.scalars(with_user.where(Certificate.issued_at >= since)):
        context = _certificate_context(cert, ctx)
        context["verify_url"] = ctx.url("certificates.verify", code=cert.code)
        subject = _l("Your certificate is issued: %(program)s", program=cert.program_title)
        kind, template = "certificate.issued", "notify_certificate_issued"
        yield Due(kind, str(cert.id), cert.user, template, subject, context)
    for cert in session.scalars(with_user.where(Certificate.revoked_at >= since)):
        context = _certificate_context(cert, ctx)
        context["reason"] = cert.revocation_reason or ""
        subject = _l("Your certificate %(serial)s is revoked", serial=cert.serial)
        kind, template = "certificate.revoked", "notify_certificate_revoked"
        yield Due(kind, str(cert.id), cert.user, template, subject, context)


def _expiring(session: Session, now: datetime, ctx: NotifyContext) -> Iterator[Due]:
    opted_out = sa.select(NotificationOptOut.user_id).where(
        NotificationOptOut.category == REMINDERS
    )
    current = session.scalars(
        sa.select(Certificate)
        .options(joinedload(Certificate.user))
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
            Certificate.valid_until > now,
            Certificate.valid_until <= now + timedelta(days=max(REMINDER_DAYS)),
            Certificate.user_id.not_in(opted_out),
        )
    )
    for cert in current:
        days = min(d for d in REMINDER_DAYS if cert.valid_until <= now + timedelta(days=d))
        context = _certificate_context(cert, ctx)
        context["days"] = days
        context["cpd_needed"] = cert.program.renewal_cpd_hours or 0
        context["cpd_have"] = cpd_hours(session, cert.user, cert.program, cert)
        token = unsubscribe_token(ctx.secret, cert.user_id)
        context["unsubscribe_url"] = ctx.url("notify.unsubscribe", token=token)
        subject = _l("Your certificate expires on %(date)s", date=context["valid_until"])
        kind, template = f"certificate.expiring.{days}", "notify_certificate_expiring"
        yield Due(
            kind, str(cert.id), cert.user, template, subject, context, context["unsubscribe_url"]
        )


def due(session: Session, now: datetime, lookback: timedelta, ctx: NotifyContext) -> list[Due]:
    """Every notification due at ``now`` and not yet sent."""
    since = now - lookback
    candidates = [
        *_pending(session, since, ctx),
        *_rejected(session, since, ctx),
        *_issued_and_revoked(session, since, ctx),
        *_expiring(session, now, ctx),
    ]
    columns = (NotificationSent.kind, NotificationSent.subject_key, NotificationSent.user_id)
    sent = set(session.execute(sa.select(*columns)).tuples())
    return [
        d for d in candidates if (d.kind, d.subject_key, d.user.id) not in sent and d.user.is_active
    ]


def send(session: Session, item: Due, site_name: str) -> bool:
    """Write one notification and its outbox row (flushed); False if another run already did."""
    try:
        with session.begin_nested(), in_language_of(item.user):
            message = queue(
                session,
                item.user.email,
                item.template,
                str(item.subject),
                list_unsubscribe=item.unsubscribe_url,
                name=item.user.name,
                site=site_name,
                **item.context,
            )
            session.add(
                NotificationSent(
                    kind=item.kind,
                    subject_key=item.subject_key,
                    user_id=item.user.id,
                    outbox_id=message.id,
                    created_at=clock.utcnow(),
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True
