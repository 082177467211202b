"""Exam accommodations: a per-trainee time factor and extra attempts, granted by an
administrator (admin page or ``flask users accommodate``) with a reason.

A grant adds a row to ``accommodations`` (the newest row of a user is in force; earlier rows
stay as history), writes an audit event with the values before and after, and writes the
trainee's "accommodation granted" mail to the outbox in the same transaction. The quiz engine
reads ``current_for`` when a trainee starts an attempt: a timed attempt gets factor × time
limit, and each exam module's attempt limit is raised by the extra attempts. Attempts already
started keep their deadline (an administrator extends one with ``app.quiz.deadlines``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Accommodation, Role, User
from app.errors import Forbidden, ValidationFailed
from app.i18n import gettext as _
from app.i18n import in_language_of
from app.mail.outbox import queue

MIN_FACTOR = 1.0
MAX_FACTOR = 4.0
MAX_EXTRA_ATTEMPTS = 10
REASON_MAX = 500


@dataclass(frozen=True)
class Terms:
    """What is in force for a trainee (no row: factor 1, no extra attempts)."""

    time_factor: float = 1.0
    extra_attempts: int = 0


NONE = Terms()


def current(session: Session, user_id: int) -> Accommodation | None:
    """The accommodation in force for ``user_id`` (the newest row), or None."""
    return session.scalar(_current_query(), {"user_id": user_id})


@functools.cache
def _current_query() -> sa.Select:
    """``current``'s query, built once: every start reads it (issue 19)."""
    return (
        sa.select(Accommodation)
        .where(Accommodation.user_id == sa.bindparam("user_id"))
        .order_by(Accommodation.id.desc())
        .limit(1)
    )


def terms_for(session: Session, user_id: int) -> Terms:
    row = current(session, user_id)
    return NONE if row is None else Terms(row.time_factor, row.extra_attempts)


def history(session: Session, user_id: int) -> list[Accommodation]:
    """Every grant for ``user_id``, newest first."""
    return list(
        session.scalars(
            sa.select(Accommodation)
            .where(Accommodation.user_id == user_id)
            .order_by(Accommodation.id.desc())
        )
    )


def validate(time_factor: object, extra_attempts: object, reason: object) -> tuple[float, int, str]:
    """The checked values, or ValidationFailed naming the first bad one."""
    if (
        isinstance(time_factor, bool)
        or not isinstance(time_factor, int | float)
        or not math.isfinite(time_factor)
        or not MIN_FACTOR <= time_factor <= MAX_FACTOR
    ):
        raise ValidationFailed(
            _(
                "The time factor must be a number from %(min)s to %(max)s.",
                min=format(MIN_FACTOR, "g"),
                max=format(MAX_FACTOR, "g"),
            )
        )
    if (
        isinstance(extra_attempts, bool)
        or not isinstance(extra_attempts, int)
        or not 0 <= extra_attempts <= MAX_EXTRA_ATTEMPTS
    ):
        raise ValidationFailed(
            _(
                "Extra attempts must be a whole number from 0 to %(max)s.",
                max=MAX_EXTRA_ATTEMPTS,
            )
        )
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed(_("Give the reason for the accommodation."))
    if len(text) > REASON_MAX:
        raise ValidationFailed(_("The reason is at most %(max)s characters.", max=REASON_MAX))
    return round(float(time_factor), 2), extra_attempts, text


@dataclass(frozen=True)
class MailContext:
    """What the mail needs from the running app: the site's name and the trainee's modules."""

    site_name: str
    modules_url: str


def grant(
    session: Session,
    actor: User | None,
    user: User,
    *,
    time_factor: float,
    extra_attempts: int,
    reason: str,
    mail: MailContext,
) -> Accommodation:
    """Put a new accommodation in force for the trainee ``user`` (admin or CLI only); audited
    (before → after) and mailed to the trainee. Bad values change nothing."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden()
    if user.role != Role.TRAINEE:
        raise ValidationFailed(_("Accommodations are for trainees; this account is not one."))
    factor, extra, text = validate(time_factor, extra_attempts, reason)
    before = terms_for(session, user.id)
    row = Accommodation(
        user_id=user.id,
        time_factor=factor,
        extra_attempts=extra,
        reason=text,
        granted_by_id=actor.id if actor is not None else None,
        granted_at=clock.utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "user.accommodation_granted",
        "user",
        user.id,
        {
            "before": {"time_factor": before.time_factor, "extra_attempts": before.extra_attempts},
            "after": {"time_factor": factor, "extra_attempts": extra},
            "reason": text,
            "accommodation_id": row.id,
        },
    )
    with in_language_of(user):
        queue(
            session,
            user.email,
            "accommodation_granted",
            _("Your exam accommodation"),
            name=user.name,
            time_factor=factor,
            extra_attempts=extra,
            url=mail.modules_url,
            site=mail.site_name,
        )
    return row
