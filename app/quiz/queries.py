"""Reads for the quiz engine: a module's state for a trainee, attempts with their items."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.auth import accommodations
from app.auth.models import User
from app.banks import models as bm
from app.banks.schema import Mode, Status, use_of
from app.i18n import gettext as _
from app.quiz import exposure, shapes, versions
from app.quiz.models import Attempt, AttemptItem, AttemptStatus, ExposureKind


@dataclass(frozen=True)
class ModuleState:
    """What a trainee may do with a module now, and why not."""

    module: bm.Module
    attempts_used: int
    attempts_left: int | None  # None: unlimited
    best_percent: float | None
    has_passed: bool
    open_attempt_id: int | None
    last_submitted_at: datetime | None
    next_allowed_at: datetime | None  # set while a cooldown runs
    locked_reason: str | None  # unmet prerequisites
    last_passed: bool | None
    attempt_limit: int | None = None  # the module's, plus the trainee's extra attempts


def module_state(
    session: Session,
    user: User,
    module: bm.Module,
    now: datetime | None = None,
    terms: accommodations.Terms | None = None,
) -> ModuleState:
    return module_states(session, user, [module], now, terms)[module.slug]


def module_states(
    session: Session,
    user: User,
    modules: list[bm.Module],
    now: datetime | None = None,
    terms: accommodations.Terms | None = None,
) -> dict[str, ModuleState]:
    """The state of each module for ``user``, in a constant number of queries (an exam's
    attempt limit includes the trainee's extra attempts, ``app.auth.accommodations``: read
    here unless the caller has ``terms`` already)."""
    now = now or clock.utcnow()
    terms = terms or accommodations.terms_for(session, user.id)
    extra = terms.extra_attempts
    prereq_slugs = {p for m in modules for p in m.prerequisites}
    all_slugs = {m.slug for m in modules} | prereq_slugs
    by_slug = _attempts_by_module(session, user, all_slugs)
    passed = {slug for slug, rs in by_slug.items() if any(r.passed for r in rs)}
    titles = _module_titles(session, prereq_slugs) if prereq_slugs else {}
    return {
        module.slug: _module_state(module, by_slug.get(module.slug, []), passed, titles, now, extra)
        for module in modules
    }


def _attempts_by_module(session: Session, user: User, slugs: set[str]) -> dict[str, list]:
    """The user's attempts at the modules ``slugs``, by module slug, in attempt order."""
    rows = session.execute(_attempts_query(), {"user_id": user.id, "slugs": sorted(slugs)}).all()
    by_slug: dict[str, list] = {}
    for row in rows:
        by_slug.setdefault(row.slug, []).append(row)
    return by_slug


@functools.cache
def _attempts_query() -> sa.Select:
    """``_attempts_by_module``'s query, built once (issue 19)."""
    return (
        sa.select(
            bm.Module.slug,
            Attempt.status,
            Attempt.percent,
            Attempt.passed,
            Attempt.submitted_at,
            Attempt.id,
        )
        .join(Attempt, Attempt.module_id == bm.Module.id)
        .where(
            Attempt.user_id == sa.bindparam("user_id"),
            bm.Module.slug.in_(sa.bindparam("slugs", expanding=True)),
        )
        .order_by(Attempt.attempt_no)
    )


def _module_titles(session: Session, slugs: set[str]) -> dict[str, str]:
    """The titles of the modules ``slugs`` (to name unmet prerequisites)."""
    return dict(
        session.execute(
            sa.select(bm.Module.slug, bm.Module.title).where(bm.Module.slug.in_(slugs))
        ).all()
    )


def _module_state(
    module: bm.Module,
    rs: list,
    passed: set[str],
    titles: dict[str, str],
    now: datetime,
    extra_attempts: int = 0,
) -> ModuleState:
    """The state of one module from the user's attempts at it (``rs``, in attempt order)."""
    used = len(rs)
    closed = [r for r in rs if r.status != AttemptStatus.IN_PROGRESS]
    open_id = next((r.id for r in rs if r.status == AttemptStatus.IN_PROGRESS), None)
    last = closed[-1] if closed else None
    limit = module.attempt_limit if module.mode == Mode.EXAM else None
    if limit is not None:
        limit += extra_attempts
    left = None if limit is None else max(0, limit - used)
    next_allowed = None
    if (
        module.mode == Mode.EXAM
        and last is not None
        and module.cooldown_hours
        and not last.passed
        and open_id is None
    ):
        candidate = last.submitted_at + timedelta(hours=module.cooldown_hours)
        if candidate > now:
            next_allowed = candidate
    missing = [p for p in module.prerequisites if p not in passed]
    locked = None
    if missing:
        names = ", ".join(titles.get(p, p) for p in missing)
        locked = _("Pass %(modules)s first.", modules=names)
    percents = [r.percent for r in closed if r.percent is not None]
    return ModuleState(
        module=module,
        attempts_used=used,
        attempts_left=left,
        best_percent=max(percents) if percents else None,
        has_passed=module.slug in passed,
        open_attempt_id=open_id,
        last_submitted_at=last.submitted_at if last else None,
        next_allowed_at=next_allowed,
        locked_reason=locked,
        last_passed=last.passed if last else None,
        attempt_limit=limit,
    )


# Which module slugs a trainee may see and start: registered by app.enrolment from the factory
# (a hook, since enrolment sits above the quiz). With none registered nobody sees anything.
module_scope: list[Callable[[Session, User], set[str]]] = []


def allowed_slugs(session: Session, user: User) -> set[str]:
    """The slugs ``user`` may see and start: what every registered scope allows."""
    if not module_scope:
        return set()
    allowed = module_scope[0](session, user)
    for scope in module_scope[1:]:
        allowed &= scope(session, user)
    return allowed


def visible_modules(session: Session, user: User) -> list[bm.Module]:
    """The modules ``user`` may see (their enrolled programs'), in display order."""
    allowed = allowed_slugs(session, user)
    if not allowed:
        return []
    return list(session.scalars(_visible_modules_query(), {"slugs": sorted(allowed)}))


@functools.cache
def _visible_modules_query() -> sa.Select:
    """Built once, the slugs a bind parameter expanded at execution: built per request, the
    statement was a dozen objects that only the garbage collector frees (issue 19)."""
    return (
        sa.select(bm.Module)
        .where(bm.Module.slug.in_(sa.bindparam("slugs", expanding=True)))
        .order_by(bm.Module.position, bm.Module.slug)
    )


def visible_module(session: Session, user: User, slug: str) -> bm.Module | None:
    """The module ``slug`` if ``user`` may see it; None like a missing one (a 404)."""
    if slug not in allowed_slugs(session, user):
        return None
    return get_module(session, slug)


def get_module(session: Session, slug: str) -> bm.Module | None:
    return session.scalar(_module_query(), {"slug": slug})


@functools.cache
def _module_query() -> sa.Select:
    return sa.select(bm.Module).where(bm.Module.slug == sa.bindparam("slug"))


def attempt_for(session: Session, owner_id: int, attempt_id: int) -> Attempt | None:
    """The attempt of user ``owner_id`` with its module, items and their versions, in two
    queries (three when it holds case steps): the attempt joined to its module, its items,
    the case versions with their steps. The relationships are filled from them directly,
    which costs a fraction of the ORM's eager loaders on the attempt page and after every
    start (issue 19).

    Each item's version (``item.version``) is the worker's decoded copy (``app/quiz/versions.py``:
    versions are immutable), read only when this worker does not know it yet; with the cache
    switched off, the versions are loaded with the items as ORM objects.
    """
    found = session.execute(
        sa.select(Attempt, bm.Module)
        .join(bm.Module, bm.Module.id == Attempt.module_id)
        .where(Attempt.id == attempt_id, Attempt.user_id == owner_id)
    ).first()
    if found is None:
        return None
    attempt, module = found
    cached = versions.enabled()
    stmt = sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
    if not cached:
        stmt = stmt.options(selectinload(AttemptItem.question_version))
    items = list(session.scalars(stmt.order_by(AttemptItem.position)))
    case_ids = {i.case_version_id for i in items if i.case_version_id is not None}
    cases = (
        {
            case.id: case
            for case in session.scalars(
                sa.select(bm.CaseVersion)
                .where(bm.CaseVersion.id.in_(case_ids))
                .options(selectinload(bm.CaseVersion.steps))
            )
        }
        if case_ids
        else {}
    )
    set_committed_value(attempt, "module", module)
    set_committed_value(attempt, "items", items)
    decoded = versions.load(session, {i.question_version_id for i in items}) if cached else {}
    for item in items:
        # Not ``item.attempt``: the attempt's list of items and each item's attempt would make
        # the request's 50 items a reference cycle, which only the garbage collector frees (a
        # collection for about every request, 0.17 ms of the attempt page's 3.2 ms of CPU in
        # one process). Reached, ``item.attempt`` is taken from the session's identity map,
        # without a query.
        set_committed_value(item, "case_version", cases.get(item.case_version_id))
        if cached:
            item.version_data = decoded[item.question_version_id]  # type: ignore[attr-defined]
    remember_shapes(attempt)
    return attempt


def remember_shapes(attempt: Attempt) -> None:
    """Teach this worker what a save checks of each item of an open attempt (``quiz.shapes``),
    from the attempt loaded with its items and their decoded versions (its page, its start):
    the first save of each item then takes the one-``UPDATE`` path on this worker too, as a
    worker's later saves do (issue 19). Nothing when the attempt is closed, when the worker
    knows its items already, or when their versions were not decoded by the worker's cache."""
    items = attempt.items
    if not attempt.is_open or not items:
        return
    known = shapes.get(items[-1].id)
    if known is not None and (known.attempt_id, known.started_at, known.items) == (
        attempt.id,
        attempt.started_at,
        len(items),
    ):
        return
    for item in items:
        version = item.__dict__.get("version_data")
        if version is None or version.id != item.question_version_id:
            return
        shapes.remember(item.id, shapes.of(attempt, item, version.question, len(items)))


def attempts_of(session: Session, user: User, module: bm.Module | None = None) -> list[Attempt]:
    stmt = sa.select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.started_at)
    if module is not None:
        stmt = stmt.where(Attempt.module_id == module.id)
    return list(session.scalars(stmt.options(selectinload(Attempt.module))))


def breakdown_rows(
    session: Session, attempt_id: int
) -> list[tuple[str, str, str | None, float | None, float]]:
    """(topic slug, topic title, objective, score, max score) of each item of an attempt, in
    one query: what the review of a secure exam reports by topic and objective."""
    return [
        tuple(row)  # type: ignore[misc]
        for row in session.execute(
            sa.select(
                bm.Topic.slug,
                bm.Topic.title,
                bm.QuestionVersion.objective,
                AttemptItem.score,
                AttemptItem.max_score,
            )
            .select_from(AttemptItem)
            .join(bm.QuestionVersion, bm.QuestionVersion.id == AttemptItem.question_version_id)
            .join(bm.Question, bm.Question.id == bm.QuestionVersion.question_id)
            .join(bm.Topic, bm.Topic.id == bm.Question.topic_id)
            .where(AttemptItem.attempt_id == attempt_id)
            .order_by(AttemptItem.position)
        ).all()
    ]


def exposure_counts(session: Session, question_ids: set[int]) -> dict[int, int]:
    """question id -> distinct trainees ever served it (any version, attempt or module), as
    the draws recorded it (``quiz.exposure``); a question never served is absent (0)."""
    return exposure.counts(session, ExposureKind.QUESTION, question_ids)


def case_step_counts(session: Session, modules: list[bm.Module]) -> dict[str, list[list[int]]]:
    """Per module slug, per case draw: the step counts of the published cases that draw can
    take (one query for every module), for counting a module's steps truthfully."""
    if not any(m.case_draws for m in modules):
        return {}
    steps = (
        sa.select(sa.func.count(bm.CaseStep.id))
        .where(bm.CaseStep.case_version_id == bm.CaseVersion.id)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(bm.Topic.slug, bm.CaseVersion.use, steps)
        .join(bm.Case, bm.Case.topic_id == bm.Topic.id)
        .join(bm.CaseVersion, bm.CaseVersion.id == bm.Case.current_version_id)
        .where(bm.Case.status == Status.PUBLISHED)
    ).all()
    out: dict[str, list[list[int]]] = {}
    for module in modules:
        use = use_of(module.mode)
        out[module.slug] = [
            sorted(
                int(n)
                for slug, case_use, n in rows
                if case_use == use and draw.get("topic") in (None, slug)
            )
            for draw in module.case_draws
        ]
    return out
