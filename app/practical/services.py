"""What ties the practical evidence to the programs: the trainee's program, their requirements
judged, and completing a program once new evidence makes them eligible."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks.models import Program
from app.certificates import services as certificates
from app.certificates.services import evidence_sources
from app.enrolment.queries import active_programs
from app.practical.queries import evidence_values
from app.requirements.judge import Judgement
from app.settings import IssuerSettings


def register_hooks() -> None:
    """The certificates read a trainee's hours, logbook and stations through this source."""
    if evidence_values not in evidence_sources:
        evidence_sources.append(evidence_values)


def trainee_program(session: Session, user: User) -> Program | None:
    """The first program the trainee is enrolled in, else the platform's first program."""
    enrolled = active_programs(session, user)
    if enrolled:
        return enrolled[0]
    return session.scalar(sa.select(Program).order_by(Program.id).limit(1))


def requirements_of(session: Session, user: User) -> tuple[Program | None, Judgement | None]:
    program = trainee_program(session, user)
    if program is None:
        return None, None
    return program, certificates.program_judgement(session, user, program)


def recheck(session: Session, user: User, settings: IssuerSettings | None) -> None:
    """New evidence (a session signed off, hours verified, a station passed) may complete the
    trainee's programs: record each first completion now eligible, and each renewal whose exam
    the trainee passed before the CPD hours were verified."""
    for program in session.scalars(sa.select(Program).order_by(Program.id)):
        certificates.complete_if_eligible(session, user, program, settings=settings)
        certificates.renew_if_earned(session, user, program, settings=settings)
