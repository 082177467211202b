"""The demo graduate: ``graduate@demo.example`` has passed every exam of the first program and
holds an issued certificate, so that a newcomer sees a real certificate, PDF and verify page at
once (``flask demo setup``). Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth import services
from app.auth.models import Role, User
from app.banks.models import Module, Program
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.enrolment import queries as enrolment_queries
from app.enrolment import services as enrolment_services
from app.quiz.models import Attempt, AttemptStatus
from app.settings import IssuerSettings

GRADUATE_EMAIL = "graduate@demo.example"


def _passed_attempts(session: Session, user: User, program: Program) -> None:
    """One passed exam attempt of every module the program requires (none twice)."""
    slugs = list(dict.fromkeys([*program.module_slugs, program.final_exam_slug]))
    modules = session.scalars(sa.select(Module).where(Module.slug.in_(slugs))).all()
    start = clock.utcnow() - timedelta(days=30)
    for number, module in enumerate(modules):
        done = session.scalar(
            sa.select(Attempt.id).where(
                Attempt.user_id == user.id, Attempt.module_id == module.id, Attempt.passed
            )
        )
        if done is not None:
            continue
        started = start + timedelta(days=number)
        session.add(
            Attempt(
                user_id=user.id,
                module_id=module.id,
                attempt_no=1,
                mode=module.mode,
                status=AttemptStatus.SUBMITTED,
                started_at=started,
                submitted_at=started + timedelta(minutes=40),
                max_score=10.0,
                score=9.0,
                percent=90.0,
                passed=True,
                pass_mark=module.pass_mark,
            )
        )
    session.flush()


def ensure_graduate(
    session: Session,
    password: str,
    issuer: IssuerSettings,
    cohort_name: str,
    before_completion: Callable[[Session, User, Program], None] | None = None,
) -> tuple[User, Certificate] | None:
    """The graduate (in the demo cohort ``cohort_name`` of the first program) and their
    certificate; None without programs (e.g. --skip-banks). ``before_completion`` adds the
    evidence beyond the exams (issue 15: hours, logbook, stations)."""
    programs = enrolment_queries.programs(session)
    if not programs:
        return None
    program = programs[0]
    user = services.find_user_by_email(session, GRADUATE_EMAIL)
    if user is None:
        user = services.register_user(
            session,
            None,
            email=GRADUATE_EMAIL,
            name="Demo Graduate",
            password=password,
            role=Role.TRAINEE,
            profession="physical_therapist",
            licence_number="DEMO-GRADUATE",
            jurisdiction="Demo",
        )
    if not enrolment_queries.active_enrolment(session, user, program):
        cohort = enrolment_queries.cohort_by_name(session, cohort_name)
        if cohort is not None:
            enrolment_services.enrol(session, None, user, program, cohort)
    current = certificates.current_certificate(session, user.id, program.id)
    if current is not None:
        return user, current
    _passed_attempts(session, user, program)
    if before_completion is not None:
        before_completion(session, user, program)
    completion = certificates.record_completion(session, user, program, settings=issuer)
    if completion.status.value == "approved":
        certificate = certificates.current_certificate(session, user.id, program.id)
    else:
        certificate = certificates.approve_completion(
            session, None, completion.id, note="Demo graduate", settings=issuer
        )
    assert certificate is not None
    return user, certificate
