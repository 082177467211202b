"""Who sees what: the modules a trainee may take, the trainees an instructor may see.

- A trainee sees the modules of the programs they are actively enrolled in (required modules
  and final exam), the practice modules whose topics are all topics of those modules (a draw
  of cases of any topic: when those modules draw cases too), and a
  program's renewal module while they hold a current certificate of it (not revoked, not
  superseded; expired is fine, that is what renewal is for).
- An instructor sees the trainees enrolled (now or before) in the cohorts they teach; an
  administrator sees every trainee.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User
from app.banks import models as bm
from app.banks.schema import Mode
from app.certificates.models import Certificate
from app.enrolment.models import Cohort, Enrolment, EnrolmentState, cohort_instructors


def module_topics(module: bm.Module) -> set[str]:
    """The topics a module draws from (blueprint rows and topic-bound case draws)."""
    topics = {row["topic"] for row in module.blueprint}
    return topics | {draw["topic"] for draw in module.case_draws if draw.get("topic")}


def _practice_fits(module: bm.Module, topics: set[str], draws_cases: bool) -> bool:
    """A practice module belongs with the programs when every topic it names is one of
    theirs; a draw of cases of any topic belongs when the programs draw cases too."""
    named = module_topics(module)
    if named and not named <= topics:
        return False
    any_case = any(not draw.get("topic") for draw in module.case_draws)
    return bool(named) or (any_case and draws_cases)


def visible_slugs(
    programs: list[bm.Program], certified: list[bm.Program], modules: list[bm.Module]
) -> set[str]:
    """Pure: the module slugs a trainee enrolled in ``programs`` and certified in
    ``certified`` may see, among ``modules`` (every module)."""
    required = {s for p in programs for s in p.module_slugs}
    required |= {p.final_exam_slug for p in programs if p.final_exam_slug}
    by_slug = {m.slug: m for m in modules}
    topics: set[str] = set()
    for slug in required:
        if slug in by_slug:
            topics |= module_topics(by_slug[slug])
    draws_cases = any(by_slug[s].case_draws for s in required if s in by_slug)
    practice = {
        m.slug
        for m in modules
        if m.mode == Mode.PRACTICE and _practice_fits(m, topics, draws_cases)
    }
    renewal = {p.renewal_module_slug for p in certified if p.renewal_module_slug}
    return (required | practice | renewal) & set(by_slug)


def active_programs(session: Session, user: User) -> list[bm.Program]:
    return list(
        session.scalars(
            sa.select(bm.Program)
            .join(Enrolment, Enrolment.program_id == bm.Program.id)
            .where(Enrolment.user_id == user.id, Enrolment.state == EnrolmentState.ACTIVE)
            .order_by(bm.Program.id)
        )
    )


def certified_programs(session: Session, user: User) -> list[bm.Program]:
    current = sa.select(Certificate.program_id).where(
        Certificate.user_id == user.id,
        Certificate.revoked_at.is_(None),
        Certificate.superseded_at.is_(None),
    )
    return list(session.scalars(sa.select(bm.Program).where(bm.Program.id.in_(current))))


def module_slugs_for(session: Session, user: User) -> set[str]:
    """The slugs of the modules ``user`` may see and start (two queries; none: empty)."""
    # Only what ``visible_slugs`` reads, as plain rows, at every start and page of a trainee:
    # the programs enrolled in and certified in together, then every module (loading whole
    # ORM objects, in three queries, was a tenth of a worker's time in the spike; issue 19).
    rows = session.execute(_programs_query(), {"user_id": user.id}).all()
    if not rows:
        return set()
    modules = session.execute(_modules_query()).all()
    return visible_slugs(
        [r for r in rows if r.enrolled],  # type: ignore[misc]
        [r for r in rows if r.certified],  # type: ignore[misc]
        modules,  # type: ignore[arg-type]
    )


@functools.cache
def _programs_query() -> sa.Select:
    """What ``visible_slugs`` reads of the programs a user (``:user_id``) is enrolled in or
    holds a current certificate of, with which; built once."""
    P = bm.Program
    enrolled = P.id.in_(
        sa.select(Enrolment.program_id).where(
            Enrolment.user_id == sa.bindparam("user_id"),
            Enrolment.state == EnrolmentState.ACTIVE,
        )
    )
    certified = P.id.in_(
        sa.select(Certificate.program_id).where(
            Certificate.user_id == sa.bindparam("user_id"),
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
        )
    )
    return (
        sa.select(
            P.module_slugs,
            P.final_exam_slug,
            P.renewal_module_slug,
            enrolled.label("enrolled"),
            certified.label("certified"),
        )
        .where(sa.or_(enrolled, certified))
        .order_by(P.id)
    )


@functools.cache
def _modules_query() -> sa.Select:
    return sa.select(bm.Module.slug, bm.Module.mode, bm.Module.blueprint, bm.Module.case_draws)


# ---------------------------------------------------------------- trainees and cohorts


def sees_every_trainee(viewer: User) -> bool:
    return viewer.has_role(Role.ADMIN)


def taught_cohort_ids(viewer: User) -> sa.Select:
    return sa.select(cohort_instructors.c.cohort_id).where(
        cohort_instructors.c.user_id == viewer.id
    )


def trainee_ids_in(cohort_ids: sa.Select | list[int], active_only: bool = False) -> sa.Select:
    """The ids of the trainees with an enrolment in one of ``cohort_ids``."""
    stmt = sa.select(Enrolment.user_id).where(Enrolment.cohort_id.in_(cohort_ids))
    if active_only:
        stmt = stmt.where(Enrolment.state == EnrolmentState.ACTIVE)
    return stmt


def may_see_trainee(session: Session, viewer: User, trainee_id: int) -> bool:
    """The trainee themself, an administrator, or an instructor of one of their cohorts."""
    if viewer.id == trainee_id or sees_every_trainee(viewer):
        return True
    if not viewer.has_role(Role.INSTRUCTOR):
        return False
    found = session.scalar(
        trainee_ids_in(taught_cohort_ids(viewer)).where(Enrolment.user_id == trainee_id).limit(1)
    )
    return found is not None


def cohorts_visible_to(session: Session, viewer: User) -> list[Cohort]:
    """Every cohort for an administrator; the cohorts they teach for an instructor."""
    stmt = sa.select(Cohort).options(selectinload(Cohort.program)).order_by(Cohort.name)
    if not sees_every_trainee(viewer):
        stmt = stmt.where(Cohort.id.in_(taught_cohort_ids(viewer)))
    return list(session.scalars(stmt))


def all_cohorts(session: Session) -> list[Cohort]:
    return list(
        session.scalars(
            sa.select(Cohort)
            .options(selectinload(Cohort.program), selectinload(Cohort.instructors))
            .order_by(Cohort.name)
        )
    )


def cohort_by_name(session: Session, name: str) -> Cohort | None:
    return session.scalar(sa.select(Cohort).where(Cohort.name == name.strip()))


def program_by_slug(session: Session, slug: str) -> bm.Program | None:
    return session.scalar(sa.select(bm.Program).where(bm.Program.slug == slug.strip()))


def programs(session: Session) -> list[bm.Program]:
    return list(session.scalars(sa.select(bm.Program).order_by(bm.Program.id)))


def history(session: Session, user: User) -> list[Enrolment]:
    """Every enrolment of ``user``, newest first (withdrawn ones included)."""
    return list(
        session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.user_id == user.id)
            .options(selectinload(Enrolment.program), selectinload(Enrolment.cohort))
            .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
        )
    )


def active_enrolment(session: Session, user: User, program: bm.Program) -> Enrolment | None:
    return session.scalar(
        sa.select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.program_id == program.id,
            Enrolment.state == EnrolmentState.ACTIVE,
        )
    )


@dataclass(frozen=True)
class CohortRoster:
    cohort: Cohort
    enrolments: list[Enrolment]


def roster(session: Session, cohort: Cohort) -> CohortRoster:
    rows = session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.user))
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    return CohortRoster(cohort, list(rows))


def register_hooks() -> None:
    """The quiz asks which modules a trainee may see and start (app.quiz.queries)."""
    from app.quiz.queries import module_scope

    if module_slugs_for not in module_scope:
        module_scope.append(module_slugs_for)


def visible_cohort(session: Session, viewer: User, cohort_id: int) -> Cohort | None:
    """The cohort ``cohort_id`` if ``viewer`` may see it (an admin, or one of its instructors)."""
    stmt = sa.select(Cohort).where(Cohort.id == cohort_id)
    if not sees_every_trainee(viewer):
        stmt = stmt.where(Cohort.id.in_(taught_cohort_ids(viewer)))
    return session.scalar(stmt)


def roster_scope(viewer: User, program: bm.Program | None, cohort: Cohort | None) -> sa.Select:
    """The ids of the trainees a cohort view shows: actively enrolled in ``cohort`` (else in
    ``program``), and, for an instructor, in a cohort they teach."""
    stmt = sa.select(Enrolment.user_id).where(Enrolment.state == EnrolmentState.ACTIVE)
    if cohort is not None:
        stmt = stmt.where(Enrolment.cohort_id == cohort.id)
    elif program is not None:
        stmt = stmt.where(Enrolment.program_id == program.id)
    if not sees_every_trainee(viewer):
        stmt = stmt.where(Enrolment.cohort_id.in_(taught_cohort_ids(viewer)))
    return stmt
