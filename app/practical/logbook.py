"""The supervised-session logbook: log, sign off or return (services flush, never commit).

A trainee logs a session naming their supervisor; the entry is refused with nothing stored when
a field carries an identifier or the supervisor is not eligible under the program's rule (an
instructor whose recorded experience meets it). Only the named supervisor decides, never on
their own entry; a returned entry is mailed to the trainee. Every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.banks.models import Program
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.i18n import in_language_of
from app.mail.outbox import queue
from app.practical.identifiers import first_identifier
from app.practical.models import LogbookEntry, LogbookStatus, SupervisorExperience
from app.requirements.evidence import REGIONS

MAX_MUSCLES = 20
MAX_NEEDLES = 500
MAX_TEXT = 2000
MAX_COMMENT = 1000
DECISIONS = ("approve", "return")


@dataclass(frozen=True)
class LogbookInput:
    performed_on: date
    patient_code: str
    region: str
    muscles: list[str]
    needles_in: int
    needles_out: int
    adverse_event: str
    supervisor_email: str
    reflection: str


@dataclass(frozen=True)
class MailContext:
    site_name: str
    logbook_url: str


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def supervisor_problem(
    experience: SupervisorExperience | None, user: User, program: Program, today: date
) -> str | None:
    """Why ``user`` may not supervise under ``program``'s rule, or None."""
    if user.role not in (Role.INSTRUCTOR, Role.ADMIN) or not user.is_active:
        return _("is not an instructor")
    if experience is None:
        return _("has no recorded dry-needling experience")
    months = months_between(experience.needling_since, today)
    if months < program.supervisor_min_months or experience.sessions < (
        program.supervisor_min_sessions
    ):
        return _(
            "needs %(min_months)s months and %(min_sessions)s sessions of dry-needling "
            "experience (has %(months)s months, %(sessions)s sessions)",
            min_months=program.supervisor_min_months,
            min_sessions=program.supervisor_min_sessions,
            months=max(months, 0),
            sessions=experience.sessions,
        )
    return None


def _identifier_message(field: str, reason: str) -> str:
    """The refusal of a text that identifies the patient, naming its field."""
    messages = {
        "patient_code": _(
            "patient_code: %(reason)s. Logbook entries must not identify the patient.",
            reason=reason,
        ),
        "muscles": _(
            "muscles: %(reason)s. Logbook entries must not identify the patient.", reason=reason
        ),
        "adverse_event": _(
            "adverse_event: %(reason)s. Logbook entries must not identify the patient.",
            reason=reason,
        ),
        "reflection": _(
            "reflection: %(reason)s. Logbook entries must not identify the patient.",
            reason=reason,
        ),
    }
    return messages[field]


def _clean(data: LogbookInput) -> LogbookInput:
    """Checked values; ``ValidationFailed`` naming the field (nothing is stored)."""
    if data.performed_on > clock.utcnow().date():
        raise ValidationFailed(_("date: a session cannot be in the future."))
    if data.region not in REGIONS:
        raise ValidationFailed(_("region: one of %(values)s.", values=", ".join(REGIONS)))
    muscles = [m.strip() for m in data.muscles if m.strip()]
    if not muscles or len(muscles) > MAX_MUSCLES or any(len(m) > 80 for m in muscles):
        raise ValidationFailed(
            _("muscles: 1 to %(max)s muscle names of at most 80 characters.", max=MAX_MUSCLES)
        )
    if not 0 <= data.needles_in <= MAX_NEEDLES:
        raise ValidationFailed(_("needles_in: a whole number from 0 to %(max)s.", max=MAX_NEEDLES))
    if not 0 <= data.needles_out <= MAX_NEEDLES:
        raise ValidationFailed(_("needles_out: a whole number from 0 to %(max)s.", max=MAX_NEEDLES))
    if len(data.adverse_event) > MAX_TEXT:
        raise ValidationFailed(_("adverse_event: at most %(max)s characters.", max=MAX_TEXT))
    if len(data.reflection) > MAX_TEXT:
        raise ValidationFailed(_("reflection: at most %(max)s characters.", max=MAX_TEXT))
    found = first_identifier(
        [("patient_code", data.patient_code.strip())]
        + [("muscles", m) for m in muscles]
        + [("adverse_event", data.adverse_event), ("reflection", data.reflection)]
    )
    if found:
        raise ValidationFailed(_identifier_message(*found))
    adverse = data.adverse_event.strip() or "none"
    return LogbookInput(
        data.performed_on,
        data.patient_code.strip(),
        data.region,
        muscles,
        data.needles_in,
        data.needles_out,
        "none" if adverse.lower() == "none" else adverse,
        data.supervisor_email.strip().lower(),
        data.reflection.strip(),
    )


def log_session(
    session: Session, trainee: User, program: Program, data: LogbookInput
) -> LogbookEntry:
    """Log one supervised session (pending its supervisor's decision)."""
    clean = _clean(data)
    supervisor = session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == clean.supervisor_email)
    )
    if supervisor is None:
        raise ValidationFailed(_("supervisor_email: no supervisor has this e-mail address."))
    if supervisor.id == trainee.id:
        raise ValidationFailed(_("supervisor_email: you cannot supervise your own session."))
    problem = supervisor_problem(
        session.get(SupervisorExperience, supervisor.id), supervisor, program, clock.utcnow().date()
    )
    if problem:
        raise ValidationFailed(
            _("supervisor_email: %(email)s %(problem)s.", email=supervisor.email, problem=problem)
        )
    entry = LogbookEntry(
        user_id=trainee.id,
        performed_on=clean.performed_on,
        patient_code=clean.patient_code,
        region=clean.region,
        muscles=clean.muscles,
        needles_in=clean.needles_in,
        needles_out=clean.needles_out,
        adverse_event=clean.adverse_event,
        supervisor_id=supervisor.id,
        reflection=clean.reflection,
        status=LogbookStatus.PENDING,
    )
    session.add(entry)
    session.flush()
    record(
        session,
        trainee,
        "logbook.logged",
        "logbook_entry",
        entry.id,
        {
            "supervisor_id": supervisor.id,
            "region": clean.region,
            "adverse": clean.adverse_event != "none",
        },
    )
    return entry


def decide(
    session: Session,
    supervisor: User,
    entry_id: int,
    decision: str,
    comment: str,
    mail: MailContext | None = None,
) -> LogbookEntry:
    """The named supervisor signs an entry off or returns it with a comment.

    Anyone else (the trainee included) gets NotFound, as if the entry did not exist; a decided
    entry is a Conflict. A return is mailed to the trainee.
    """
    entry = session.get(LogbookEntry, entry_id)
    if entry is None or entry.supervisor_id != supervisor.id or entry.user_id == supervisor.id:
        raise NotFound()
    if decision not in DECISIONS:
        raise ValidationFailed(_("decision: approve or return."))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(_("comment: at most %(max)s characters.", max=MAX_COMMENT))
    if decision == "return" and not comment:
        raise ValidationFailed(_("comment: say what the trainee should correct."))
    to = LogbookStatus.APPROVED if decision == "approve" else LogbookStatus.RETURNED
    claimed = session.execute(
        sa.update(LogbookEntry)
        .where(LogbookEntry.id == entry_id, LogbookEntry.status == LogbookStatus.PENDING)
        .values(status=to, comment=comment, decided_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(entry)
    if claimed.rowcount != 1:
        raise Conflict(_("This entry was already decided."))
    record(
        session, supervisor, f"logbook.{to.value}", "logbook_entry", entry.id, {"comment": comment}
    )
    if to == LogbookStatus.RETURNED and mail is not None:
        _mail_returned(session, entry, supervisor, mail)
    return entry


def _mail_returned(
    session: Session, entry: LogbookEntry, supervisor: User, mail: MailContext
) -> None:
    with in_language_of(entry.trainee):
        queue(
            session,
            entry.trainee.email,
            "logbook_returned",
            _("A logbook entry was returned to you"),
            name=entry.trainee.name,
            supervisor=supervisor.name,
            performed_on=entry.performed_on.isoformat(),
            patient_code=entry.patient_code,
            comment=entry.comment,
            url=mail.logbook_url,
            site=mail.site_name,
        )


def record_experience(
    session: Session, actor: User | None, user: User, needling_since: date, sessions: int
) -> SupervisorExperience:
    """Record an instructor's dry-needling experience (admin or CLI); audited."""
    if actor is not None and actor.role != Role.ADMIN:
        raise NotFound()
    if user.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise ValidationFailed(_("Only instructors supervise: this account is not one."))
    if needling_since > clock.utcnow().date() or not 0 <= sessions <= 100_000:
        raise ValidationFailed(_("Experience: a date not in the future and 0 to 100000 sessions."))
    row = session.get(SupervisorExperience, user.id)
    before: dict[str, Any] | None = None
    if row is None:
        row = SupervisorExperience(user_id=user.id)
        session.add(row)
    else:
        before = {"needling_since": row.needling_since.isoformat(), "sessions": row.sessions}
    row.needling_since, row.sessions = needling_since, sessions
    row.recorded_by_id = actor.id if actor is not None else None
    row.recorded_at = clock.utcnow()
    session.flush()
    after = {"needling_since": needling_since.isoformat(), "sessions": sessions}
    record(
        session, actor, "supervisor.experience", "user", user.id, {"before": before, "after": after}
    )
    return row
