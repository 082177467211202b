"""Writes for completions and certificates: record, approve/reject, issue, revoke, re-issue, renew.

Every function takes the session and the acting user (None = the system, e.g. the quiz hook),
flushes and never commits. Exactly-once is held by the database: a partial unique index on
pending/approved completions per (user, program, cycle), one current certificate per
(user, program), conditional updates for approve/reject, row locks for counters.
"""

from __future__ import annotations

import calendar
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.banks.models import Module, Program
from app.certificates import codes, eligibility, keys, publishing
from app.certificates import credential as cred
from app.certificates.models import (
    Certificate,
    CertificateKind,
    CertificatePdf,
    Completion,
    CompletionStatus,
    SerialCounter,
    StatusList,
)
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import force_locale, gettext, local_number
from app.i18n import lazy_gettext as _l
from app.quiz.models import Attempt
from app.requirements.evidence import MODE_LABELS, Evidence, SessionStatus
from app.requirements.judge import Judgement, judge, requirements_of
from app.settings import IssuerSettings

log = logging.getLogger(__name__)

# Hooks run inside the transaction that issued a certificate (first, renewal, re-issue),
# each with (session, certificate): xAPI's "earned". Registered from app/__init__.py.
after_issue: list[Callable[[Session, Certificate], None]] = []

# Indices are handed out as (n * STRIDE) mod size: a bijection for an odd stride and a
# power-of-two size, so each index is used once, yet neighbours in time are far apart in the
# list (the Bitstring Status List spec advises against sequential allocation).
STATUS_INDEX_STRIDE = 40_503


def _required(settings: IssuerSettings | None) -> IssuerSettings:
    """The issuer settings a signature needs; callers pass ``get_settings().issuer`` in."""
    if settings is None:
        raise TypeError("Issuing or revoking needs the issuer settings: pass settings=...")
    return settings


class NotEligible(Conflict):
    code = "not_eligible"
    message = _l("The program is not complete yet.")


class CompletionClosed(Conflict):
    code = "completion_closed"
    message = _l("This completion was already reviewed.")


class CertificateRevoked(Conflict):
    code = "certificate_revoked"
    message = _l("This certificate is revoked.")


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden()


def add_months(value: datetime, months: int) -> datetime:
    """``value`` + ``months`` calendar months (the day clamped to the month's last day)."""
    total = value.month - 1 + months
    year, month = value.year + total // 12, total % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


# ---------------------------------------------------------------- completions


def passed_module_slugs(session: Session, user: User, slugs: list[str]) -> set[str]:
    rows = session.scalars(
        sa.select(Module.slug)
        .join(Attempt, Attempt.module_id == Module.id)
        .where(Attempt.user_id == user.id, Attempt.passed.is_(True), Module.slug.in_(slugs))
        .distinct()
    )
    return set(rows)


# Where a trainee's evidence beyond passed modules comes from (hours, logbook sessions,
# practical stations: app/practical registers its source from the factory). Each source takes
# (session, user id) and returns keyword values of ``Evidence``.
EvidenceSource = Callable[[Session, int], dict[str, Any]]
evidence_sources: list[EvidenceSource] = []


def trainee_evidence(session: Session, user: User, program: Program) -> Evidence:
    """What ``user`` has done towards ``program``, as of today (UTC)."""
    required = eligibility.required_modules(program.module_slugs, program.final_exam_slug)
    titles = session.execute(sa.select(Module.slug, Module.title).where(Module.slug.in_(required)))
    values: dict[str, Any] = {
        "as_of": clock.utcnow().date(),
        "modules_passed": frozenset(passed_module_slugs(session, user, required)),
        "module_titles": tuple((slug, title) for slug, title in titles),
    }
    for source in evidence_sources:
        values.update(source(session, user.id))
    return Evidence(**values)


def program_judgement(session: Session, user: User, program: Program) -> Judgement:
    """Each of the program's requirements judged on the trainee's evidence."""
    specs = requirements_of(program.module_slugs, program.final_exam_slug, program.requirements)
    return judge(specs, trainee_evidence(session, user, program))


def program_eligibility(session: Session, user: User, program: Program) -> eligibility.Eligibility:
    """Eligible once every requirement is met; ``missing`` the modules still to pass."""
    evidence = trainee_evidence(session, user, program)
    specs = requirements_of(program.module_slugs, program.final_exam_slug, program.requirements)
    verdict = judge(specs, evidence)
    required = eligibility.required_modules(program.module_slugs, program.final_exam_slug)
    missing = [s for s in required if s not in evidence.modules_passed]
    unmet = [f"{r.title}: {r.missing}" for r in verdict.unmet]
    return eligibility.Eligibility(verdict.eligible, missing, unmet)


def practical_evidence(session: Session, user: User, program: Program) -> list[dict[str, str]]:
    """The credential's evidence entries: verified hours by delivery mode, signed-off
    supervised sessions, practical stations passed (none of a kind: no entry).

    Signed content: always in English (the mode labels too), whatever the approver's language.
    """
    with force_locale("en"):
        evidence = trainee_evidence(session, user, program)
        by_mode: dict[str, float] = {}
        for entry in evidence.hours:
            if entry.verified:
                by_mode[entry.mode.value] = by_mode.get(entry.mode.value, 0.0) + entry.hours
        label = {m.value: str(text) for m, text in MODE_LABELS.items()}  # lazy: English here
        entries = [
            {
                "name": f"{label[mode].capitalize()} hours",
                "description": f"{hours:g} verified hours delivered {label[mode]}.",
                "genre": "Hours",
            }
            for mode, hours in sorted(by_mode.items())
        ]
        signed = [s for s in evidence.sessions if s.status == SessionStatus.APPROVED]
        if signed:
            regions = ", ".join(sorted({s.region.replace("_", " ") for s in signed}))
            entries.append(
                {
                    "name": "Supervised patient sessions",
                    "description": f"{len(signed)} supervised sessions signed off ({regions}).",
                    "genre": "Logbook",
                }
            )
        if evidence.stations_passed:
            stations = ", ".join(sorted(evidence.stations_passed))
            entries.append(
                {
                    "name": "Practical skills examination",
                    "description": f"Stations passed: {stations}.",
                    "genre": "Practical examination",
                }
            )
        return entries


def complete_if_eligible(
    session: Session,
    user: User,
    program: Program,
    *,
    attempt: Attempt | None = None,
    renewal: bool = False,
    settings: IssuerSettings | None = None,
) -> Completion | None:
    """Record the completion (or the renewal) that new evidence earns: a passed attempt, an
    approved logbook session, verified hours, a station passed. The active completion when
    there is one; None while it is not earned.

    ``record_completion`` judges once: it returns the active completion writing nothing, and
    refuses NotEligible before any write (no current certificate to renew, too few CPD hours,
    a requirement still unmet). Asked here first, the same statements ran twice."""
    try:
        return record_completion(
            session, user, program, attempt=attempt, renewal=renewal, settings=settings
        )
    except NotEligible:
        return None


def renew_if_earned(
    session: Session, user: User, program: Program, *, settings: IssuerSettings | None = None
) -> Completion | None:
    """Record the renewal that newly verified CPD hours complete: the trainee passed the
    program's renewal module since their current certificate was issued, before they had the
    hours, so that pass renewed nothing (docs/jurisdictions.md). Their latest such pass is the
    renewal's attempt. None without a current certificate, such a pass, or the hours."""
    if not program.renewal_module_slug:
        return None
    current = current_certificate(session, user.id, program.id)
    if current is None:
        return None
    attempt = session.scalar(
        sa.select(Attempt)
        .join(Module, Module.id == Attempt.module_id)
        .where(
            Attempt.user_id == user.id,
            Module.slug == program.renewal_module_slug,
            Attempt.passed.is_(True),
            Attempt.submitted_at >= current.issued_at,
        )
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(1)
    )
    if attempt is None:
        return None
    return complete_if_eligible(
        session, user, program, attempt=attempt, renewal=True, settings=settings
    )


@dataclass(frozen=True)
class RenewalWaiting:
    """A renewal exam passed that waits for its CPD hours (shown on the attempt's result)."""

    program_title: str
    have: float
    needed: float


def renewals_waiting(session: Session, attempt: Attempt) -> list[RenewalWaiting]:
    """The programs whose renewal ``attempt`` passed since the holder's current certificate was
    issued and that it did not renew for want of CPD hours: verifying them renews it
    (``renew_if_earned``)."""
    if not attempt.passed or attempt.submitted_at is None:
        return []
    slug = sa.select(Module.slug).where(Module.id == attempt.module_id).scalar_subquery()
    waiting = []
    for program in session.scalars(sa.select(Program).where(Program.renewal_module_slug == slug)):
        current = current_certificate(session, attempt.user_id, program.id)
        if current is None or attempt.submitted_at < current.issued_at:
            continue
        have = cpd_hours(session, current.user, program, current)
        if have < program.renewal_cpd_hours:
            waiting.append(RenewalWaiting(program.title, have, program.renewal_cpd_hours))
    return waiting


def renewal_notes(session: Session, attempt: Attempt) -> list[str]:
    """The result page's word on a renewal exam passed without the CPD hours (a
    ``quiz.services.result_notes`` hook)."""
    return [
        gettext(
            "This pass renews your %(program)s certificate once you have %(needed)s CPD hours "
            "verified since it was issued: you have %(have)s. It counts when they are verified;"
            " you need not sit this exam again.",
            program=w.program_title,
            needed=local_number(w.needed),
            have=local_number(w.have),
        )
        for w in renewals_waiting(session, attempt)
    ]


def _active_completion(session: Session, user_id: int, program_id: int, cycle: int):
    return session.scalar(
        sa.select(Completion).where(
            Completion.user_id == user_id,
            Completion.program_id == program_id,
            Completion.cycle == cycle,
            Completion.status.in_([CompletionStatus.PENDING, CompletionStatus.APPROVED]),
        )
    )


def current_certificate(session: Session, user_id: int, program_id: int) -> Certificate | None:
    """The user's certificate for the program that is neither revoked nor superseded."""
    return session.scalar(
        sa.select(Certificate).where(
            Certificate.user_id == user_id,
            Certificate.program_id == program_id,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
        )
    )


def cpd_hours(session: Session, user: User, program: Program, certificate: Certificate) -> float:
    """The trainee's verified hours held on or after the certificate's issue: what counts
    toward its renewal (``program.renewal_cpd_hours``)."""
    since = certificate.issued_at.date()
    evidence = trainee_evidence(session, user, program)
    return sum(h.hours for h in evidence.hours if h.verified and h.on >= since)


def _latest_cycle(session: Session, user_id: int, program_id: int) -> int:
    value = session.scalar(
        sa.select(sa.func.max(Completion.cycle)).where(
            Completion.user_id == user_id,
            Completion.program_id == program_id,
            Completion.status == CompletionStatus.APPROVED,
        )
    )
    return int(value or 0)


def _completion_cycle(
    session: Session, user: User, program: Program, renewal: bool
) -> tuple[int, Completion | None]:
    """The cycle a new completion would have and the active completion of that cycle, if any.

    Refuses NotEligible: a renewal without a current certificate, or a first completion
    (none recorded yet) of a program whose modules are not all passed.
    """
    if renewal:
        current = current_certificate(session, user.id, program.id)
        if current is None:
            raise NotEligible(gettext("There is no current certificate to renew."))
        have = cpd_hours(session, user, program, current)
        if have < program.renewal_cpd_hours:
            raise NotEligible(
                gettext(
                    "CPD hours since your certificate: %(have)s of %(needed)s.",
                    have=format(have, "g"),
                    needed=format(program.renewal_cpd_hours, "g"),
                )
            )
        cycle = _latest_cycle(session, user.id, program.id) + 1
        # A renewal already recorded for the current certificate is the one to return.
        existing = _active_completion(session, user.id, program.id, cycle)
    else:
        cycle = 1
        existing = _active_completion(session, user.id, program.id, cycle)
        if existing is None:
            result = program_eligibility(session, user, program)
            if not result.eligible:
                raise NotEligible(_still_to_do(result))
    return cycle, existing


def _still_to_do(result: eligibility.Eligibility) -> str:
    """Why a first completion is refused: the unmet requirements, then the modules to pass."""
    unmet = "; ".join(result.unmet)
    if result.missing:
        modules = ", ".join(result.missing)
        return gettext(
            "Still to do: %(unmet)s (modules: %(modules)s).", unmet=unmet, modules=modules
        )
    return gettext("Still to do: %(unmet)s.", unmet=unmet)


def _insert_completion(session: Session, completion: Completion) -> Completion:
    """Insert ``completion``; if a concurrent request inserted its twin first, return that."""
    user_id, program_id, cycle = completion.user_id, completion.program_id, completion.cycle
    try:
        with session.begin_nested():
            session.add(completion)
            session.flush()
    except IntegrityError:
        winner = _active_completion(session, user_id, program_id, cycle)
        if winner is None:
            raise
        return winner
    return completion


def record_completion(
    session: Session,
    user: User,
    program: Program,
    *,
    attempt: Attempt | None = None,
    renewal: bool = False,
    settings: IssuerSettings | None = None,
) -> Completion:
    """Record that ``user`` completed ``program`` (or its renewal), exactly once.

    Returns the existing pending/approved completion when there is one (also when a
    concurrent request inserted it first). Refuses NotEligible. Without review the
    completion is approved and the certificate issued at once.
    """
    cycle, existing = _completion_cycle(session, user, program, renewal)
    if existing is not None:
        return existing
    completion = Completion(
        user_id=user.id,
        program_id=program.id,
        cycle=cycle,
        status=CompletionStatus.PENDING,
        completed_at=clock.utcnow(),
        attempt_id=attempt.id if attempt is not None else None,
    )
    stored = _insert_completion(session, completion)
    if stored is not completion:
        return stored
    record(
        session,
        None,
        "completion.recorded",
        "completion",
        completion.id,
        {"user_id": user.id, "program": program.slug, "cycle": cycle},
    )
    if not program.requires_review:
        # Runs inside the quiz submit: a signing failure must not lose the grade. The
        # completion then stays pending and an admin approves it from the queue.
        try:
            with session.begin_nested():
                approve_completion(session, None, completion.id, settings=settings)
        except Exception:
            log.exception("automatic approval of completion %s failed", completion.id)
            session.refresh(completion)
    return completion


def on_attempt_graded(
    session: Session, attempt: Attempt, *, settings: IssuerSettings | None = None
) -> None:
    """after_grading hook: a passed attempt may complete or renew a program.

    ``settings`` sign the certificate of a program without review (issued at once); without
    them such a completion stays pending for an admin to approve.
    """
    if not attempt.passed:
        return
    slug = session.scalar(sa.select(Module.slug).where(Module.id == attempt.module_id))
    if slug is None:
        return
    user = session.get(User, attempt.user_id)
    if user is None:
        return
    programs = session.scalars(sa.select(Program).order_by(Program.id)).all()
    for program in programs:
        renewal = eligibility.is_renewal_pass(slug, program.renewal_module_slug)
        required = eligibility.required_modules(program.module_slugs, program.final_exam_slug)
        if not renewal and slug not in required:
            continue
        # A pass that earns nothing (yet) is graded all the same.
        complete_if_eligible(
            session, user, program, attempt=attempt, renewal=renewal, settings=settings
        )


def _completion_hook(session: Session, attempt: Attempt) -> None:
    on_attempt_graded(session, attempt, settings=_issuer_source(session))


def _no_issuer(session: Session) -> IssuerSettings | None:
    return None


_issuer_source: Callable[[Session], IssuerSettings | None] = _no_issuer


def register_hooks(issuer: Callable[[Session], IssuerSettings | None]) -> None:
    """Add the completion hook to the quiz engine, and the renewal's note to its result page
    (once per process).

    ``issuer(session)`` gives the issuer settings at grading time, read through the grading
    session (the organisation and signatory administrators store are in the database):
    create_app passes a function that reads the running app's settings, so the hook gets them
    passed in like any other caller.
    """
    from app.quiz.services import after_grading, result_notes

    global _issuer_source
    _issuer_source = issuer
    if _completion_hook not in after_grading:
        after_grading.append(_completion_hook)
    if renewal_notes not in result_notes:
        result_notes.append(renewal_notes)


def _claim_completion(
    session: Session, completion_id: int, to: CompletionStatus, actor: User | None, note: str
) -> Completion:
    completion = session.get(Completion, completion_id)
    if completion is None:
        raise NotFound()
    claimed = session.execute(
        sa.update(Completion)
        .where(Completion.id == completion_id, Completion.status == CompletionStatus.PENDING)
        .values(
            status=to,
            reviewer_id=actor.id if actor is not None else None,
            reviewed_at=clock.utcnow(),
            note=note,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(completion)
    if claimed.rowcount != 1:
        if completion.status == to:
            return completion
        if completion.status == CompletionStatus.APPROVED:
            raise CompletionClosed(gettext("This completion was already approved."))
        if completion.status == CompletionStatus.REJECTED:
            raise CompletionClosed(gettext("This completion was already rejected."))
        raise CompletionClosed()
    return completion


def approve_completion(
    session: Session,
    actor: User | None,
    completion_id: int,
    *,
    note: str = "",
    settings: IssuerSettings | None = None,
) -> Certificate:
    """Approve a pending completion and issue its certificate; approving twice is harmless.

    Refuses Forbidden (not an admin), NotFound, CompletionClosed (already rejected).
    """
    _require_admin(actor)
    completion = _claim_completion(
        session, completion_id, CompletionStatus.APPROVED, actor, note.strip()
    )
    existing = session.scalar(
        sa.select(Certificate)
        .where(Certificate.completion_id == completion.id)
        .order_by(Certificate.issued_at.desc())
    )
    if existing is not None:
        return existing
    record(session, actor, "completion.approved", "completion", completion.id)
    return issue_certificate(session, actor, completion, settings=settings)


def reject_completion(
    session: Session, actor: User | None, completion_id: int, note: str
) -> Completion:
    """Reject a pending completion with a note the trainee sees. Refuses an empty note."""
    _require_admin(actor)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            gettext("Say why the completion is rejected: the trainee will see it.")
        )
    completion = _claim_completion(session, completion_id, CompletionStatus.REJECTED, actor, note)
    record(session, actor, "completion.rejected", "completion", completion.id, {"note": note})
    return completion


# ---------------------------------------------------------------- issuing


def _next_serial(session: Session, prefix: str, year: int) -> str:
    """``PREFIX-YEAR-000123``: a per-prefix, per-year counter incremented under a row lock."""
    for _ in range(3):
        bumped = session.execute(
            sa.update(SerialCounter)
            .where(SerialCounter.prefix == prefix, SerialCounter.year == year)
            .values(last=SerialCounter.last + 1)
            .execution_options(synchronize_session=False)
        )
        if bumped.rowcount == 1:
            break
        try:
            with session.begin_nested():
                session.add(SerialCounter(prefix=prefix, year=year, last=1))
                session.flush()
            break
        except IntegrityError:
            continue
    last = session.scalar(
        sa.select(SerialCounter.last).where(
            SerialCounter.prefix == prefix, SerialCounter.year == year
        )
    )
    return f"{prefix}-{year}-{int(last or 0):06d}"


def _new_status_list(session: Session, settings: IssuerSettings, key: keys.ActiveKey) -> StatusList:
    status_list = StatusList(size=cred.STATUS_LIST_MIN_BITS, allocated=0, updated_at=clock.utcnow())
    session.add(status_list)
    session.flush()
    status_list.credential = _signed_status_list(settings, key, status_list, [])
    session.flush()
    return status_list


def _allocate_status_index(
    session: Session, settings: IssuerSettings, key: keys.ActiveKey
) -> tuple[int, int]:
    """(status list id, index): the list's counter is bumped under a row lock, never reused."""
    for _ in range(5):
        list_id = session.scalar(
            sa.select(StatusList.id)
            .where(StatusList.allocated < StatusList.size)
            .order_by(StatusList.id)
            .limit(1)
        )
        if list_id is None:
            list_id = _new_status_list(session, settings, key).id
        bumped = session.execute(
            sa.update(StatusList)
            .where(StatusList.id == list_id, StatusList.allocated < StatusList.size)
            .values(allocated=StatusList.allocated + 1)
            .execution_options(synchronize_session=False)
        )
        if bumped.rowcount == 1:
            row = session.execute(
                sa.select(StatusList.allocated, StatusList.size).where(StatusList.id == list_id)
            ).one()
            n = row.allocated - 1
            return list_id, (n * STATUS_INDEX_STRIDE) % row.size
    raise Conflict(gettext("Could not allocate a status list entry; try again."))


def _signed_status_list(
    settings: IssuerSettings, key: keys.ActiveKey, status_list: StatusList, revoked: list[int]
) -> dict[str, Any]:
    now = clock.utcnow()
    doc = cred.build_status_list_credential(
        credential_id=settings.status_list_url(status_list.id),
        issuer={"id": settings.issuer_id, "name": settings.name},
        valid_from=now,
        set_indices=revoked,
        length=status_list.size,
        status_purpose=status_list.purpose,
    )
    return cred.sign_credential(
        doc, key.private_key, settings.verification_method(key.row.kid), now
    )


def resign_status_list(session: Session, list_id: int, settings: IssuerSettings) -> StatusList:
    """Rebuild and re-sign a status list from the revoked certificates on it.

    The list row is locked first (a no-op update), so two revocations never overwrite each
    other's bit.
    """
    session.execute(
        sa.update(StatusList)
        .where(StatusList.id == list_id)
        .values(updated_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise NotFound()
    session.refresh(status_list)
    revoked = list(
        session.scalars(
            sa.select(Certificate.status_index).where(
                Certificate.status_list_id == list_id, Certificate.revoked_at.is_not(None)
            )
        )
    )
    key = keys.active_key(session, settings.instance_path, settings.signing_key)
    status_list.credential = _signed_status_list(settings, key, status_list, sorted(revoked))
    session.flush()
    return status_list


def _build_signed(
    settings: IssuerSettings,
    key: keys.ActiveKey,
    certificate: Certificate,
    program: Program,
    user: User,
    activity_start: datetime | None,
    evidence: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    learner: dict[str, Any] = {"name": certificate.learner_name, "email": user.email}
    if certificate.licence_number:
        learner["licence_number"] = certificate.licence_number
    doc = cred.build_credential(
        credential_id=f"urn:uuid:{certificate.id}",
        issuer={"id": settings.issuer_id, "name": settings.name, "url": settings.base_url}
        | ({"email": settings.email} if settings.email else {}),
        achievement={
            "id": settings.achievement_url(program.slug),
            "name": program.title,
            "description": program.description.strip() or program.title,
            "criteria": publishing.CRITERIA,
            "ce_hours": program.ce_hours,
            "human_code": program.serial_prefix,
            "image": {
                "id": settings.achievement_url(program.slug) + "/badge.svg",
                "caption": f"Badge: {program.title}",
            },
        },
        learner=learner,
        valid_from=certificate.issued_at,
        valid_until=certificate.valid_until,
        status_list_credential_url=settings.status_list_url(certificate.status_list_id),
        status_index=certificate.status_index,
        description=f"Certificate {certificate.serial}. Verify at "
        f"{settings.verify_url(certificate.code)}",
        activity_start=activity_start,
        activity_end=certificate.completion.completed_at if certificate.completion else None,
    )
    doc = cred.add_evidence(doc, evidence or [], program.scope_regions or [])
    return cred.sign_credential(
        doc, key.private_key, settings.verification_method(key.row.kid), certificate.issued_at
    )


def _first_attempt_at(session: Session, user_id: int, program: Program) -> datetime | None:
    slugs = eligibility.required_modules(program.module_slugs, program.final_exam_slug)
    return session.scalar(
        sa.select(sa.func.min(Attempt.started_at))
        .join(Module, Module.id == Attempt.module_id)
        .where(Attempt.user_id == user_id, Module.slug.in_(slugs))
    )


def issue_certificate(
    session: Session,
    actor: User | None,
    completion: Completion,
    *,
    settings: IssuerSettings | None = None,
    replaces: Certificate | None = None,
) -> Certificate:
    """Issue the signed certificate for an approved completion (or a correction of one).

    Initial: returns the current certificate if one exists. Renewal (cycle > 1): the current
    certificate is marked superseded and the new one runs from the later of now and its
    expiry. ``replaces``: a correction; the old one is revoked and keeps its expiry.
    """
    _require_admin(actor)
    if completion.status != CompletionStatus.APPROVED:
        raise Conflict(gettext("Only approved completions get a certificate."))
    settings = _required(settings)
    program = session.get(Program, completion.program_id)
    user = session.get(User, completion.user_id)
    if program is None or user is None:
        raise NotFound()
    now = clock.utcnow()
    previous = current_certificate(session, user.id, program.id)
    if replaces is None and completion.cycle <= 1 and previous is not None:
        return previous
    kind, previous, valid_until = _kind_and_expiry(completion, program, previous, replaces, now)

    key = keys.active_key(session, settings.instance_path, settings.signing_key)
    certificate = _new_certificate(
        session, settings, key, actor, completion, program, user, kind, previous, valid_until, now
    )
    certificate.completion = completion
    certificate.credential = _build_signed(
        settings,
        key,
        certificate,
        program,
        user,
        _first_attempt_at(session, user.id, program),
        practical_evidence(session, user, program),
    )
    stored = _store(session, certificate, kind, previous, now)
    if stored is not certificate:
        return stored
    if kind == CertificateKind.REISSUE and previous is not None:
        resign_status_list(session, previous.status_list_id, settings)
    _record_issued(session, actor, certificate, program, previous)
    return certificate


def _new_certificate(
    session: Session,
    settings: IssuerSettings,
    key: keys.ActiveKey,
    actor: User | None,
    completion: Completion,
    program: Program,
    user: User,
    kind: CertificateKind,
    previous: Certificate | None,
    valid_until: datetime,
    now: datetime,
) -> Certificate:
    """The unsigned certificate row, with its status-list slot and serial allocated."""
    list_id, index = _allocate_status_index(session, settings, key)
    return Certificate(
        id=uuid.uuid4(),
        serial=_next_serial(session, program.serial_prefix, now.year),
        code=codes.new_code(),
        user_id=user.id,
        program_id=program.id,
        completion_id=completion.id,
        kind=kind,
        previous_id=previous.id
        if previous is not None and kind != CertificateKind.INITIAL
        else None,
        learner_name=user.name,
        licence_number=user.licence_number or "",
        program_title=program.title,
        ce_hours=program.ce_hours,
        issued_at=now.replace(microsecond=0),
        valid_until=valid_until.replace(microsecond=0),
        issued_by_id=actor.id if actor is not None else None,
        status_list_id=list_id,
        status_index=index,
        signing_key_id=key.row.id,
        credential={},
    )


def _kind_and_expiry(
    completion: Completion,
    program: Program,
    previous: Certificate | None,
    replaces: Certificate | None,
    now: datetime,
) -> tuple[CertificateKind, Certificate | None, datetime]:
    """What a new certificate is, the certificate it follows (if any) and its expiry."""
    if replaces is not None:
        if previous is not None and previous.id != replaces.id:
            raise Conflict(gettext("Only the current certificate can be re-issued."))
        return CertificateKind.REISSUE, replaces, replaces.valid_until
    if completion.cycle > 1:
        if previous is None:
            raise NotEligible(gettext("There is no current certificate to renew."))
        valid_until = add_months(max(now, previous.valid_until), program.validity_months)
        return CertificateKind.RENEWAL, previous, valid_until
    return CertificateKind.INITIAL, previous, add_months(now, program.validity_months)


def _store(
    session: Session,
    certificate: Certificate,
    kind: CertificateKind,
    previous: Certificate | None,
    now: datetime,
) -> Certificate:
    """Insert ``certificate``, superseding (for a correction, revoking) the one it follows.

    Returns ``certificate``, or the initial certificate a concurrent request inserted first.
    """
    try:
        with session.begin_nested():
            if kind == CertificateKind.RENEWAL and previous is not None:
                previous.superseded_at = now
            elif kind == CertificateKind.REISSUE and previous is not None:
                previous.superseded_at = now
                previous.revoked_at = now
                previous.revocation_reason = (
                    f"Replaced by the corrected certificate {certificate.serial}."
                )
            if previous is not None and kind != CertificateKind.INITIAL:
                drop_cached_pdfs(session, previous.id)
            session.flush()  # free the "one current certificate" slot before the insert
            session.add(certificate)
            session.flush()
    except IntegrityError:
        winner = current_certificate(session, certificate.user_id, certificate.program_id)
        if winner is None or kind != CertificateKind.INITIAL:
            raise Conflict(gettext("Another certificate was issued at the same moment.")) from None
        return winner
    return certificate


def _record_issued(
    session: Session,
    actor: User | None,
    certificate: Certificate,
    program: Program,
    previous: Certificate | None,
) -> None:
    kind = certificate.kind
    for hook in after_issue:
        hook(session, certificate)
    record(
        session,
        actor,
        {
            CertificateKind.INITIAL: "certificate.issued",
            CertificateKind.RENEWAL: "certificate.renewed",
            CertificateKind.REISSUE: "certificate.reissued",
        }[kind],
        "certificate",
        certificate.id,
        {
            "serial": certificate.serial,
            "user_id": certificate.user_id,
            "program": program.slug,
            "previous": str(previous.id) if previous is not None and kind != "initial" else None,
        },
    )


def drop_cached_pdfs(session: Session, certificate_id: uuid.UUID) -> None:
    """Forget the rendered PDFs of a certificate whose status changed (they say "valid")."""
    session.execute(
        sa.delete(CertificatePdf).where(CertificatePdf.certificate_id == certificate_id)
    )


def revoke_certificate(
    session: Session,
    actor: User | None,
    certificate_id: uuid.UUID,
    reason: str,
    *,
    settings: IssuerSettings | None = None,
) -> Certificate:
    """Revoke with a reason: the verify page says so at once and the status bit is set.

    Refuses Forbidden, NotFound, ValidationFailed (no reason), CertificateRevoked.
    """
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(gettext("A reason is required to revoke a certificate."))
    settings = _required(settings)
    now = clock.utcnow()
    claimed = session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate_id, Certificate.revoked_at.is_(None))
        .values(revoked_at=now, revocation_reason=reason)
        .execution_options(synchronize_session=False)
    )
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound()
    session.refresh(certificate)
    if claimed.rowcount != 1:
        raise CertificateRevoked()
    drop_cached_pdfs(session, certificate.id)
    resign_status_list(session, certificate.status_list_id, settings)
    record(
        session,
        actor,
        "certificate.revoked",
        "certificate",
        certificate.id,
        {"serial": certificate.serial, "reason": reason},
    )
    return certificate


def reissue_certificate(
    session: Session,
    actor: User | None,
    certificate_id: uuid.UUID,
    *,
    settings: IssuerSettings | None = None,
) -> Certificate:
    """Re-issue the current certificate with the learner's corrected details.

    The old one is revoked ("replaced by ...") and the new one keeps its expiry.
    """
    _require_admin(actor)
    old = session.get(Certificate, certificate_id)
    if old is None:
        raise NotFound()
    if old.revoked_at is not None or old.superseded_at is not None:
        raise Conflict(gettext("Only the current certificate can be re-issued."))
    completion = session.get(Completion, old.completion_id)
    assert completion is not None
    return issue_certificate(session, actor, completion, settings=settings, replaces=old)
