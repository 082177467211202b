"""Deadline extensions: extra minutes for ONE open timed attempt, by an administrator (admin
page or ``flask attempts extend``), with a reason; audited with the deadline before and after.

The attempt's ``deadline`` itself moves, with a conditional UPDATE on an open attempt, so save,
submit, close-expired and the timer (HTML and the API's ``deadline``) all use the extended
deadline, and an extension cannot race a grading. An attempt whose deadline + grace has already
passed is closed, not extended. Flushes, never commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.quiz.models import Attempt, AttemptExtension, AttemptStatus
from app.quiz.services import grace

MIN_MINUTES = 1
MAX_MINUTES = 480
REASON_MAX = 500


class NotExtendable(Conflict):
    code = "not_extendable"
    message = _l("This attempt cannot be extended.")


def validate(minutes: object, reason: object) -> tuple[int, str]:
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not MIN_MINUTES <= minutes <= MAX_MINUTES
    ):
        raise ValidationFailed(
            _(
                "The extension must be a whole number of minutes from %(min)s to %(max)s.",
                min=MIN_MINUTES,
                max=MAX_MINUTES,
            )
        )
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed(_("Give the reason for the extension."))
    if len(text) > REASON_MAX:
        raise ValidationFailed(_("The reason is at most %(max)s characters.", max=REASON_MAX))
    return minutes, text


def extend(
    session: Session,
    actor: User | None,
    attempt_id: int,
    minutes: int,
    reason: str,
    grace_seconds: int | None = None,
) -> AttemptExtension:
    """Move the deadline of the open timed attempt ``attempt_id`` by ``minutes``.

    Refuses (nothing changes): Forbidden (not an admin), ValidationFailed (minutes, reason),
    NotFound, NotExtendable (closed, untimed, or its deadline + grace already passed).
    """
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden()
    minutes, text = validate(minutes, reason)
    now = clock.utcnow()
    attempt = _extendable(session, attempt_id, now, grace_seconds)
    before = attempt.deadline
    after = before + timedelta(minutes=minutes)
    moved = session.execute(
        sa.update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.deadline == before,
        )
        .values(deadline=after)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise NotExtendable(_("The attempt changed meanwhile (submitted or extended); try again."))
    session.refresh(attempt, ["deadline"])
    row = AttemptExtension(
        attempt_id=attempt.id,
        minutes=minutes,
        reason=text,
        deadline_before=before,
        deadline_after=after,
        granted_by_id=actor.id if actor is not None else None,
        granted_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "attempt.deadline_extended",
        "attempt",
        attempt.id,
        {
            "user_id": attempt.user_id,
            "minutes": minutes,
            "reason": text,
            "before": before.isoformat(),
            "after": after.isoformat(),
        },
    )
    return row


def _extendable(
    session: Session, attempt_id: int, now: datetime, grace_seconds: int | None
) -> Attempt:
    """The attempt, if open, timed and not past its deadline + grace; else the refusal."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(_("No such attempt."))
    session.refresh(attempt)
    if not attempt.is_open:
        raise NotExtendable(_("This attempt is closed; only an open attempt can be extended."))
    if attempt.deadline is None:
        raise NotExtendable(_("This attempt has no time limit."))
    if now > attempt.deadline + grace(grace_seconds):
        raise NotExtendable(_("This attempt's time has run out; it is closed, not extended."))
    return attempt


def for_attempt(session: Session, attempt_id: int) -> list[AttemptExtension]:
    return list(
        session.scalars(
            sa.select(AttemptExtension)
            .where(AttemptExtension.attempt_id == attempt_id)
            .order_by(AttemptExtension.id)
        )
    )


def open_timed_attempts(session: Session, user_id: int) -> list[Attempt]:
    """The user's open timed attempts (for the admin page), oldest first."""
    return list(
        session.scalars(
            sa.select(Attempt)
            .where(
                Attempt.user_id == user_id,
                Attempt.status == AttemptStatus.IN_PROGRESS,
                Attempt.deadline.is_not(None),
            )
            .order_by(Attempt.started_at)
        )
    )
