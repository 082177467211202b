"""Enrolment changes: cohorts, enrol, withdraw, enrol many from a CSV. Each change is audited.

Callers commit. Every failure raises before anything is written (or the caller rolls back), so
bad input changes nothing.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.auth.services import find_user_by_email
from app.banks.models import Program
from app.enrolment import queries
from app.enrolment.csv_import import CsvInvalid, Problem, Row, parse_rows
from app.enrolment.models import Cohort, Enrolment, EnrolmentState
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import gettext as _

NAME_MAX = 100


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"


class NotEnrolled(Conflict):
    code = "not_enrolled"


class OtherProgramCohort(ValidationFailed):
    """The cohort named is an intake of another program (a CSV line's ``cohort`` column)."""


def create_cohort(
    session: Session,
    actor: User | None,
    *,
    name: str,
    program_slug: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Cohort:
    """A new cohort (intake) of a program. Refuses a taken name, an unknown program, dates
    out of order."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(_("A cohort name is 1 to %(max)s characters.", max=NAME_MAX))
    program = queries.program_by_slug(session, program_slug)
    if program is None:
        raise NotFound(_("No program %(slug)s.", slug=repr(program_slug)))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(_("The cohort ends before it starts."))
    if queries.cohort_by_name(session, name) is not None:
        raise Conflict(_("A cohort named %(name)s already exists.", name=repr(name)))
    cohort = Cohort(name=name, program=program, starts_on=starts_on, ends_on=ends_on)
    session.add(cohort)
    session.flush()
    record(
        session,
        actor,
        "cohort.create",
        "cohort",
        cohort.id,
        {
            "name": name,
            "program": program.slug,
            "starts_on": _iso(starts_on),
            "ends_on": _iso(ends_on),
        },
    )
    return cohort


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def add_instructor(session: Session, actor: User | None, cohort: Cohort, user: User) -> None:
    if not user.has_role(Role.INSTRUCTOR):
        raise ValidationFailed(_("%(email)s is not an instructor.", email=user.email))
    if user in cohort.instructors:
        return
    cohort.instructors.append(user)
    session.flush()
    record(session, actor, "cohort.add_instructor", "cohort", cohort.id, {"user_id": user.id})


def remove_instructor(session: Session, actor: User | None, cohort: Cohort, user: User) -> None:
    if user not in cohort.instructors:
        raise NotFound(
            _("%(email)s does not teach %(cohort)s.", email=user.email, cohort=cohort.name)
        )
    cohort.instructors.remove(user)
    session.flush()
    record(session, actor, "cohort.remove_instructor", "cohort", cohort.id, {"user_id": user.id})


def _check_enrolable(session: Session, user: User, program: Program, cohort: Cohort | None) -> None:
    if not user.has_role(Role.TRAINEE):
        raise ValidationFailed(
            _("%(email)s is not a trainee: only trainees are enrolled.", email=user.email)
        )
    if not user.is_active:
        raise ValidationFailed(_("%(email)s is deactivated.", email=user.email))
    if cohort is not None and cohort.program_id != program.id:
        raise OtherProgramCohort(
            _("The cohort %(cohort)s is an intake of another program.", cohort=cohort.name)
        )
    if queries.active_enrolment(session, user, program) is not None:
        raise AlreadyEnrolled(
            _(
                "%(email)s is already enrolled in %(program)s.",
                email=user.email,
                program=program.title,
            )
        )


def enrol(
    session: Session,
    actor: User | None,
    user: User,
    program: Program,
    cohort: Cohort | None = None,
) -> Enrolment:
    """A new active enrolment of ``user`` in ``program`` (and ``cohort``); the earlier,
    withdrawn ones stay as they are (the history)."""
    _check_enrolable(session, user, program, cohort)
    enrolment = Enrolment(
        user=user,
        program=program,
        cohort=cohort,
        state=EnrolmentState.ACTIVE,
        enrolled_at=clock.utcnow(),
        enrolled_by_id=actor.id if actor else None,
    )
    session.add(enrolment)
    session.flush()
    record(
        session,
        actor,
        "enrolment.enrol",
        "user",
        user.id,
        {"program": program.slug, "cohort": cohort.name if cohort else None},
    )
    return enrolment


def withdraw(session: Session, actor: User | None, enrolment: Enrolment) -> Enrolment:
    """Close an active enrolment (kept as history)."""
    if enrolment.state != EnrolmentState.ACTIVE:
        raise NotEnrolled(_("This enrolment is already withdrawn."))
    enrolment.state = EnrolmentState.WITHDRAWN
    enrolment.withdrawn_at = clock.utcnow()
    enrolment.withdrawn_by_id = actor.id if actor else None
    session.flush()
    record(
        session,
        actor,
        "enrolment.withdraw",
        "user",
        enrolment.user_id,
        {"program_id": enrolment.program_id, "enrolment_id": enrolment.id},
    )
    return enrolment


def enrolment_of(session: Session, enrolment_id: int, user: User | None = None) -> Enrolment:
    """An enrolment by id (``user``'s own only, when given); NotFound otherwise."""
    stmt = sa.select(Enrolment).where(Enrolment.id == enrolment_id)
    if user is not None:
        stmt = stmt.where(Enrolment.user_id == user.id)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(_("No such enrolment."))
    return found


def enrol_by_name(
    session: Session, actor: User | None, user: User, *, program: str = "", cohort: str = ""
) -> Enrolment:
    """Enrol by program slug or cohort name (the cohort names its program)."""
    chosen_cohort = None
    if cohort:
        chosen_cohort = queries.cohort_by_name(session, cohort)
        if chosen_cohort is None:
            raise NotFound(_("No cohort %(name)s.", name=repr(cohort)))
    chosen = queries.program_by_slug(session, program) if program else None
    if program and chosen is None:
        raise NotFound(_("No program %(slug)s.", slug=repr(program)))
    if chosen is None and chosen_cohort is not None:
        chosen = chosen_cohort.program
    if chosen is None:
        raise ValidationFailed(_("Name a program or a cohort."))
    return enrol(session, actor, user, chosen, chosen_cohort)


def _resolve(session: Session, row: Row, cohorts: dict[str, Cohort | None]) -> list[Problem]:
    problems = []
    user = find_user_by_email(session, row.email)
    if user is None:
        problems.append(
            Problem(row.line, "email", _("no account %(email)s", email=repr(row.email)))
        )
    program = queries.program_by_slug(session, row.program)
    if program is None:
        problems.append(
            Problem(row.line, "program", _("no program %(slug)s", slug=repr(row.program)))
        )
    cohort = None
    if row.cohort:
        if row.cohort not in cohorts:
            cohorts[row.cohort] = queries.cohort_by_name(session, row.cohort)
        cohort = cohorts[row.cohort]
        if cohort is None:
            problems.append(
                Problem(row.line, "cohort", _("no cohort %(name)s", name=repr(row.cohort)))
            )
    if problems or user is None or program is None:
        return problems
    try:
        _check_enrolable(session, user, program, cohort)
    except (ValidationFailed, AlreadyEnrolled) as exc:
        column = "cohort" if isinstance(exc, OtherProgramCohort) else "email"
        return [Problem(row.line, column, exc.message)]
    return []


def enrol_csv(session: Session, actor: User | None, data: bytes) -> list[Enrolment]:
    """Enrol every line of an enrolment CSV, or none: CsvInvalid lists every problem, by line
    and column, and nothing is written."""
    rows, problems = parse_rows(data)
    cohorts: dict[str, Cohort | None] = {}
    problems += [p for row in rows for p in _resolve(session, row, cohorts)]
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise CsvInvalid(problems)
    done = []
    for row in rows:
        user = find_user_by_email(session, row.email)
        assert user is not None  # resolved above
        done.append(enrol_by_name(session, actor, user, program=row.program, cohort=row.cohort))
    return done
