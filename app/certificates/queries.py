"""Reads for certificates and completions: a trainee's certificates, verification, admin lists."""

from __future__ import annotations

import enum
import functools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, joinedload

from app import clock
from app.auth.models import User
from app.banks.models import Program
from app.certificates import codes
from app.certificates.models import Certificate, CertificatePdf, Completion, CompletionStatus
from app.i18n import gettext as _


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


def status_of(certificate: Certificate, now: datetime | None = None) -> CertificateStatus:
    """Revoked beats superseded (renewed) beats expired beats valid."""
    now = now or clock.utcnow()
    if certificate.revoked_at is not None:
        return CertificateStatus.REVOKED
    if certificate.superseded_at is not None:
        return CertificateStatus.SUPERSEDED
    if now >= certificate.valid_until:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


@dataclass(frozen=True)
class CertificateSummary:
    """What the dashboard and "My certificates" show for one certificate."""

    certificate: Certificate
    program: Program
    issued_at: datetime
    valid_until: datetime
    status: CertificateStatus

    @property
    def id(self) -> uuid.UUID:
        return self.certificate.id

    @property
    def serial(self) -> str:
        return self.certificate.serial

    @property
    def code(self) -> str:
        return self.certificate.code

    @property
    def days_left(self) -> int:
        return max(0, (self.valid_until - clock.utcnow()).days)


def certificates_for_user(session: Session, user: User) -> list[CertificateSummary]:
    """The user's certificates, newest first, with program and status (one query)."""
    now = clock.utcnow()
    rows = session.scalars(
        sa.select(Certificate)
        .where(Certificate.user_id == user.id)
        .options(joinedload(Certificate.program))
        .order_by(Certificate.issued_at.desc(), Certificate.serial.desc())
    ).all()
    return [
        CertificateSummary(c, c.program, c.issued_at, c.valid_until, status_of(c, now))
        for c in rows
    ]


def expiring_soon(session: Session, user: User, days: int = 60) -> list[CertificateSummary]:
    """Valid certificates of ``user`` that expire within ``days`` (for dashboard reminders)."""
    now = clock.utcnow()
    horizon = now + timedelta(days=days)
    rows = session.scalars(
        sa.select(Certificate)
        .where(
            Certificate.user_id == user.id,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
            Certificate.valid_until > now,
            Certificate.valid_until <= horizon,
        )
        .options(joinedload(Certificate.program))
        .order_by(Certificate.valid_until)
    ).all()
    return [
        CertificateSummary(c, c.program, c.issued_at, c.valid_until, status_of(c, now))
        for c in rows
    ]


def certificate_of_user(
    session: Session, user: User, certificate_id: uuid.UUID
) -> Certificate | None:
    """The user's own certificate by id; None for anyone else's (the route answers 404)."""
    return session.scalar(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id, Certificate.user_id == user.id)
        .options(joinedload(Certificate.program))
    )


@dataclass(frozen=True)
class Rendering:
    """A cached PDF of a certificate: its render key (``template_version``) and bytes."""

    key: int
    data: bytes


def certificate_and_rendering(
    session: Session, user: User, certificate_id: uuid.UUID, paper: str
) -> tuple[Certificate, Rendering | None] | None:
    """The user's own certificate by id (None for anyone else's), with the newest PDF cached
    for ``paper``, in one statement: a download whose rendering is current reads nothing
    more (issue 19). The caller compares the rendering's key with the one it needs."""
    row = session.execute(
        _certificate_and_rendering_query(),
        {"certificate_id": certificate_id, "user_id": user.id, "paper": paper},
    ).first()
    if row is None:
        return None
    certificate, key, data = row
    return certificate, (None if data is None else Rendering(key, data))


@functools.cache
def _certificate_and_rendering_query() -> sa.Select:
    """Built once (a statement built per request cost more than the query it saves)."""
    stored = aliased(CertificatePdf)
    newest = (
        sa.select(sa.func.max(stored.id))
        .where(stored.certificate_id == Certificate.id, stored.paper == sa.bindparam("paper"))
        .correlate(Certificate)
        .scalar_subquery()
    )
    return (
        sa.select(Certificate, CertificatePdf.template_version, CertificatePdf.data)
        .outerjoin(CertificatePdf, CertificatePdf.id == newest)
        .where(
            Certificate.id == sa.bindparam("certificate_id"),
            Certificate.user_id == sa.bindparam("user_id"),
        )
        .options(joinedload(Certificate.program))
    )


def certificate_by_code(session: Session, code: str) -> Certificate | None:
    """By verification code: a grouped code however typed (case, spaces, dashes, I/L/O), or
    an older code exactly as printed."""
    if not code or len(code) > 80:
        return None
    canonical = codes.normalise(code)
    return session.scalar(_by_code_query(), {"code": canonical or code})


@functools.cache
def _by_code_query() -> sa.Select:
    """Built once: the verify page's and its JSON's query (issue 19)."""
    return (
        sa.select(Certificate)
        .where(Certificate.code == sa.bindparam("code"))
        .options(joinedload(Certificate.program))
    )


_SERIAL = re.compile(r"^[A-Z0-9]{1,20}-\d{4}-\d{6}$")


def certificate_by_serial(session: Session, serial: str) -> Certificate | None:
    """By the serial printed on the certificate (``PREFIX-YEAR-000123``, any case)."""
    text = (serial or "").strip().upper()
    if not _SERIAL.match(text):
        return None
    return session.scalar(sa.select(Certificate).where(Certificate.serial == text))


def successor_of(session: Session, certificate: Certificate) -> Certificate | None:
    """The certificate that renewed or replaced ``certificate``, if any. Only a superseded
    certificate has one (``services._store`` sets ``superseded_at`` in the transaction that
    inserts the successor), so a current one costs no query (the verify page; issue 19)."""
    if certificate.superseded_at is None:
        return None
    return session.scalar(
        sa.select(Certificate)
        .where(Certificate.previous_id == certificate.id)
        .order_by(Certificate.issued_at.desc())
        .limit(1)
    )


def completions_for_user(session: Session, user: User) -> list[Completion]:
    """The user's completions (pending and rejected ones carry the reviewer's note)."""
    return list(
        session.scalars(
            sa.select(Completion)
            .where(Completion.user_id == user.id)
            .options(joinedload(Completion.program))
            .order_by(Completion.completed_at.desc())
        )
    )


def linkedin_url(certificate: Certificate, organization: str, verify_url: str) -> str:
    """LinkedIn's "add licence or certification" link, prefilled."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.program_title,
        "organizationName": organization,
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "expirationYear": certificate.valid_until.year,
        "expirationMonth": certificate.valid_until.month,
        "certUrl": verify_url,
        "certId": certificate.serial,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def mail_share_url(certificate: Certificate, organization: str, verify_url: str) -> str:
    """A ``mailto:`` link with a subject and the verify link in the body."""
    subject = _("My certificate: %(program)s", program=certificate.program_title)
    body = _(
        "My certificate %(serial)s (%(program)s, issued by %(organization)s) can be verified "
        "at %(url)s",
        serial=certificate.serial,
        program=certificate.program_title,
        organization=organization,
        url=verify_url,
    )
    return "mailto:?" + urlencode({"subject": subject, "body": body}, quote_via=quote)


def program_by_slug(session: Session, slug: str) -> Program | None:
    if not slug or len(slug) > 200:
        return None
    return session.scalar(sa.select(Program).where(Program.slug == slug))


# ---------------------------------------------------------------- admin


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def completions_by_status(
    session: Session,
    status: CompletionStatus | None,
    page: int = 1,
    per_page: int = 50,
    user_ids: sa.Select | None = None,
) -> Page:
    """Completions (of the users ``user_ids`` selects, e.g. a cohort's, when given)."""
    query = sa.select(Completion)
    count = sa.select(sa.func.count()).select_from(Completion)
    if status is not None:
        query = query.where(Completion.status == status)
        count = count.where(Completion.status == status)
    if user_ids is not None:
        query = query.where(Completion.user_id.in_(user_ids))
        count = count.where(Completion.user_id.in_(user_ids))
    items = session.scalars(
        query.options(joinedload(Completion.user), joinedload(Completion.program))
        .order_by(Completion.completed_at, Completion.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, int(session.scalar(count) or 0))


def all_certificates(session: Session, search: str = "", page: int = 1, per_page: int = 50) -> Page:
    query = sa.select(Certificate).join(User, User.id == Certificate.user_id)
    count = (
        sa.select(sa.func.count())
        .select_from(Certificate)
        .join(User, User.id == Certificate.user_id)
    )
    term = search.strip()
    if term:
        like = f"%{term.lower()}%"
        cond = sa.or_(
            sa.func.lower(Certificate.serial).like(like),
            sa.func.lower(User.email).like(like),
            sa.func.lower(Certificate.learner_name).like(like),
        )
        query, count = query.where(cond), count.where(cond)
    items = session.scalars(
        query.options(joinedload(Certificate.user), joinedload(Certificate.program))
        .order_by(Certificate.issued_at.desc(), Certificate.serial.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, int(session.scalar(count) or 0))


def all_certificate_rows(session: Session) -> list[Certificate]:
    """Every certificate, newest first, with its learner (for ``certs list``)."""
    return list(
        session.scalars(
            sa.select(Certificate)
            .options(joinedload(Certificate.user))
            .order_by(Certificate.issued_at.desc(), Certificate.serial.desc())
        )
    )


def completions_export_rows(session: Session) -> list[tuple[Completion, Certificate | None]]:
    """Every completion with its latest certificate, for the CSV export (two queries)."""
    completions = session.scalars(
        sa.select(Completion)
        .options(joinedload(Completion.user), joinedload(Completion.program))
        .order_by(Completion.completed_at, Completion.id)
    ).all()
    latest: dict[int, Certificate] = {}
    for cert in session.scalars(sa.select(Certificate).order_by(Certificate.issued_at)):
        latest[cert.completion_id] = cert
    return [(c, latest.get(c.id)) for c in completions]
