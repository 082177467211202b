"""Reads for progress: the trainee dashboard, the practice queue, the instructor cohort.

Every function runs a fixed number of queries whatever the number of attempts, answers or
trainees (grouped queries, no per-row lookups); mastery comes from the incremental tallies.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import Role, User
from app.banks import models as bm
from app.banks.labels import objective_label, objective_texts_of
from app.banks.schema import Status, Use
from app.certificates.services import program_judgement
from app.enrolment.queries import active_programs
from app.i18n import gettext as _
from app.i18n import local_datetime, local_number, ngettext
from app.progress import mastery, scheduler
from app.progress.models import ObjectiveMastery, PracticeAnswer, ReviewCard, TopicMastery
from app.quiz.models import Attempt, AttemptItem, AttemptStatus
from app.quiz.queries import ModuleState, module_states
from app.requirements.judge import Judgement
from app.requirements.kinds import Result

HISTORY_LIMIT = 50


# ---------------------------------------------------------------- program and module states


def current_program(session: Session) -> bm.Program | None:
    """The certificate program (the platform runs one: Dry Needling Foundations)."""
    return session.scalar(sa.select(bm.Program).order_by(bm.Program.id).limit(1))


@dataclass(frozen=True)
class ModuleRow:
    """One module of the program as the trainee sees it now."""

    module: bm.Module
    state: ModuleState
    status: str  # locked | not_started | in_progress | passed | failed | exhausted
    label: str
    detail: str


def _module_row(state: ModuleState) -> ModuleRow:
    module = state.module
    percent = local_number(state.best_percent) if state.best_percent is not None else None
    if state.has_passed:
        detail = (
            _("Best score %(score)s %%.", score=percent) if percent else _("Best score passed.")
        )
        return ModuleRow(module, state, "passed", _("Passed"), detail)
    if state.open_attempt_id is not None:
        return ModuleRow(module, state, "in_progress", _("In progress"), _("An attempt is open."))
    if state.locked_reason:
        return ModuleRow(module, state, "locked", _("Locked"), state.locked_reason)
    if state.attempts_used == 0:
        return ModuleRow(module, state, "not_started", _("Not started"), _("No attempt yet."))
    if state.attempts_left == 0:
        detail = (
            _("No attempts left (best score %(score)s %%). Contact your instructor.", score=percent)
            if percent
            else _("No attempts left. Contact your instructor.")
        )
        return ModuleRow(module, state, "exhausted", _("Failed"), detail)
    return ModuleRow(module, state, "failed", _("Failed"), _failed_detail(state, percent))


def _failed_detail(state: ModuleState, percent: str | None) -> str:
    """Not passed yet, with the attempts left and when the next one is allowed (whole
    sentences, joined)."""
    parts = [
        _("Not passed yet (best score %(score)s %%).", score=percent)
        if percent
        else _("Not passed yet.")
    ]
    if state.attempts_left is not None:
        parts.append(
            ngettext("%(num)s attempt left.", "%(num)s attempts left.", state.attempts_left)
        )
    if state.next_allowed_at is not None:
        when = local_datetime(state.next_allowed_at)
        parts.append(_("Next attempt allowed from %(when)s.", when=when))
    return " ".join(parts)


def program_modules(
    session: Session, user: User, program: bm.Program, now: datetime
) -> list[ModuleRow]:
    modules = {
        m.slug: m
        for m in session.scalars(
            sa.select(bm.Module).where(bm.Module.slug.in_(program.module_slugs))
        )
    }
    ordered = [modules[s] for s in program.module_slugs if s in modules]
    states = module_states(session, user, ordered, now)
    return [_module_row(states[m.slug]) for m in ordered]


def next_step(rows: list[ModuleRow]) -> tuple[str, bm.Module | None]:
    """What the trainee should do next, and the module it concerns."""
    for row in rows:
        if row.status != "passed":
            return _next_step_of(row), row.module
    if rows:
        return _("You have passed every module of the program."), None
    return _("No modules are available yet."), None


def _next_step_of(row: ModuleRow) -> str:
    title = row.module.title
    if row.status == "in_progress":
        return _("Continue your open attempt at %(title)s.", title=title)
    if row.status == "not_started":
        return _("Start %(title)s.", title=title)
    if row.status == "failed" and row.state.next_allowed_at is not None:
        when = local_datetime(row.state.next_allowed_at)
        return _(
            "Practise your weak areas, then retake %(title)s from %(when)s.", title=title, when=when
        )
    if row.status == "failed":
        return _("Retake %(title)s.", title=title)
    if row.status == "exhausted":
        return _("You have no attempts left at %(title)s: contact your instructor.", title=title)
    return _("%(title)s is locked: %(reason)s", title=title, reason=row.detail)


# ---------------------------------------------------------------- mastery


@dataclass(frozen=True)
class MasteryRow:
    key: str
    label: str
    value: float  # smoothed mastery, 0..1
    answered: int
    correct: float
    topic: str = ""

    @property
    def percent(self) -> int:
        return round(100 * self.value)

    @property
    def has_evidence(self) -> bool:
        return self.answered >= mastery.MIN_EVIDENCE

    @property
    def level(self) -> str:
        return mastery.level(self.value, self.answered)


def _tally(row: TopicMastery | ObjectiveMastery) -> mastery.Tally:
    return mastery.Tally(row.weighted_correct, row.weighted_total, row.answered, row.correct)


def objective_texts(session: Session) -> dict[str, str]:
    """Learning objective id → its text, from the modules that declare it."""
    return objective_texts_of(session.scalars(sa.select(bm.Module.objectives)))


@dataclass
class Mastery:
    topics: list[MasteryRow]
    objectives: list[MasteryRow]
    weak_topics: list[MasteryRow]
    weak_objectives: list[MasteryRow]


def mastery_of(session: Session, user: User, texts: dict[str, str] | None = None) -> Mastery:
    """Mastery per topic (every topic, answered or not) and per objective answered."""
    topics = session.execute(
        sa.select(bm.Topic, TopicMastery)
        .outerjoin(
            TopicMastery,
            sa.and_(TopicMastery.topic_id == bm.Topic.id, TopicMastery.user_id == user.id),
        )
        .order_by(bm.Topic.id)
    ).all()
    topic_title = {t.id: t.title for t, _ in topics}
    texts = objective_texts(session) if texts is None else texts
    objectives = session.scalars(
        sa.select(ObjectiveMastery)
        .where(ObjectiveMastery.user_id == user.id)
        .order_by(ObjectiveMastery.topic_id, ObjectiveMastery.objective)
    ).all()
    empty = mastery.Tally()
    topic_rows = []
    for topic, row in topics:
        tally = _tally(row) if row else empty
        topic_rows.append(
            MasteryRow(
                topic.slug, topic.title, mastery.smoothed(tally), tally.answered, tally.correct
            )
        )
    objective_rows = [
        MasteryRow(
            o.objective,
            objective_label(o.objective, texts),
            mastery.smoothed(_tally(o)),
            o.answered,
            o.correct,
            topic=topic_title.get(o.topic_id, ""),
        )
        for o in objectives
    ]
    return Mastery(
        topics=topic_rows,
        objectives=objective_rows,
        weak_topics=_weak(topic_rows),
        weak_objectives=_weak(objective_rows),
    )


def _weak(rows: list[MasteryRow], limit: int = 3) -> list[MasteryRow]:
    """The lowest rows with enough evidence and below the threshold (as ``weak_areas``)."""
    ranked = sorted(
        (r for r in rows if r.has_evidence and r.value < mastery.WEAK_BELOW),
        key=lambda r: (r.value, r.key),
    )
    return ranked[:limit]


# ---------------------------------------------------------------- attempt history


@dataclass(frozen=True)
class HistoryRow:
    attempt_id: int
    module_title: str
    mode: str
    attempt_no: int
    submitted_at: datetime
    percent: float
    passed: bool
    pass_mark: float
    module_slug: str = ""


def attempt_history(session: Session, user: User, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The trainee's graded attempts, oldest first (the latest ``limit``)."""
    rows = session.execute(
        sa.select(
            Attempt.id,
            bm.Module.title,
            Attempt.mode,
            Attempt.attempt_no,
            Attempt.submitted_at,
            Attempt.percent,
            Attempt.passed,
            Attempt.pass_mark,
            bm.Module.slug,
        )
        .join(bm.Module, bm.Module.id == Attempt.module_id)
        .where(Attempt.user_id == user.id, Attempt.status != AttemptStatus.IN_PROGRESS)
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(limit)
    ).all()
    return [
        HistoryRow(
            r.id,
            r.title,
            r.mode.value if hasattr(r.mode, "value") else str(r.mode),
            r.attempt_no,
            r.submitted_at,
            r.percent or 0.0,
            bool(r.passed),
            r.pass_mark,
            r.slug,
        )
        for r in reversed(rows)
    ]


# ---------------------------------------------------------------- certificates

REMINDER_DAYS = 60  # issue 6: remind trainees 60 days before a certificate expires


@dataclass(frozen=True)
class CertificateRow:
    serial: str
    program: str
    issued_at: datetime
    valid_until: datetime
    status: str  # valid | expired | revoked | superseded
    renewal_module_slug: str | None = None


def certificates_of(session: Session, user: User) -> list[CertificateRow] | None:
    """The trainee's certificates, or None while the certificates domain is not installed."""
    try:
        from app.certificates.queries import certificates_for_user
    except ImportError:
        return None
    return [
        CertificateRow(
            serial=c.certificate.serial,
            program=c.program.title,
            issued_at=c.issued_at,
            valid_until=c.valid_until,
            status=getattr(c.status, "value", str(c.status)),
            renewal_module_slug=c.program.renewal_module_slug,
        )
        for c in certificates_for_user(session, user)
    ]


@dataclass(frozen=True)
class CompletionRow:
    """Where a completed program stands: passed, waiting for review; rejected; issued."""

    program: str
    state: str  # pending | rejected | issued
    completed_at: datetime
    note: str = ""

    @property
    def label(self) -> str:
        if self.state == "pending":
            return "passed, waiting for review"
        if self.state == "rejected":
            return f"rejected: {self.note}" if self.note else "rejected"
        return "issued"


def completions_of(session: Session, user: User) -> list[CompletionRow]:
    """The trainee's completions, newest first (empty while certificates are not installed)."""
    try:
        from app.certificates.queries import completions_for_user
    except ImportError:
        return []
    states = {"pending": "pending", "rejected": "rejected", "approved": "issued"}
    return [
        CompletionRow(
            program=c.program.title + (" (renewal)" if c.cycle > 1 else ""),
            state=states.get(c.status.value, c.status.value),
            completed_at=c.completed_at,
            note=c.note or "",
        )
        for c in completions_for_user(session, user)
    ]


@dataclass(frozen=True)
class ExpiryReminder:
    """A certificate that expires within ``REMINDER_DAYS`` days, or has expired."""

    serial: str
    program: str
    valid_until: datetime
    days_left: int  # 0 once expired
    expired: bool
    renewal_module_slug: str | None
    renewal_module_title: str | None


def expiry_reminders(
    session: Session,
    user: User,
    certificates: list[CertificateRow] | None,
    now: datetime,
    days: int = REMINDER_DAYS,
) -> list[ExpiryReminder]:
    """Reminders for the dashboard: expired certificates first, then the soonest to expire.

    "Expiring" comes from ``app.certificates.queries.expiring_soon`` (valid, neither revoked
    nor superseded, ``valid_until`` within ``days``); "expired" from the certificates already
    loaded (an expired certificate is the program's current one: a renewal supersedes it).
    At most two queries, whatever the number of certificates.
    """
    if certificates is None:
        return []
    from app.certificates.queries import expiring_soon

    soon = expiring_soon(session, user, days=days)
    expired = [c for c in certificates if c.status == "expired"]
    if not soon and not expired:
        return []
    slugs = {c.renewal_module_slug for c in expired} | {s.program.renewal_module_slug for s in soon}
    slugs.discard(None)
    titles: dict[str, str] = {}
    if slugs:
        titles = dict(
            session.execute(
                sa.select(bm.Module.slug, bm.Module.title).where(bm.Module.slug.in_(slugs))
            ).all()
        )
    reminders = [
        ExpiryReminder(
            c.serial,
            c.program,
            c.valid_until,
            0,
            True,
            c.renewal_module_slug if c.renewal_module_slug in titles else None,
            titles.get(c.renewal_module_slug or ""),
        )
        for c in sorted(expired, key=lambda c: c.valid_until)
    ]
    for s in soon:
        slug = s.program.renewal_module_slug
        reminders.append(
            ExpiryReminder(
                s.serial,
                s.program.title,
                s.valid_until,
                max(0, (s.valid_until - now).days),
                False,
                slug if slug in titles else None,
                titles.get(slug or ""),
            )
        )
    return reminders


# ---------------------------------------------------------------- practice queue


@dataclass(frozen=True)
class PracticeSlot:
    objective: str
    version: bm.QuestionVersion
    reason: str  # "due" | "new"
    retrievability: float | None


@dataclass(frozen=True)
class PracticeSummary:
    due: int
    new_available: int
    new_today: int
    new_per_day: int


def _start_of_day(now: datetime) -> datetime:
    return datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)


def _practice_pool(session: Session) -> dict[str, list[tuple[bm.QuestionVersion, int]]]:
    """Objective → current versions of published standalone practice questions (with their
    topic): exam items are never served where practice happens."""
    rows = session.execute(
        sa.select(bm.QuestionVersion, bm.Question.topic_id)
        .join(bm.Question, bm.Question.current_version_id == bm.QuestionVersion.id)
        .where(
            bm.Question.status == Status.PUBLISHED,
            bm.Question.case_id.is_(None),
            bm.QuestionVersion.use == Use.PRACTICE,
            bm.QuestionVersion.objective.is_not(None),
        )
        .order_by(bm.QuestionVersion.id)
    ).all()
    pool: dict[str, list[tuple[bm.QuestionVersion, int]]] = defaultdict(list)
    for version, topic_id in rows:
        pool[version.objective].append((version, topic_id))  # type: ignore[index]
    return pool


def _new_today(session: Session, user: User, now: datetime) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(PracticeAnswer.id)).where(
                PracticeAnswer.user_id == user.id,
                PracticeAnswer.is_new.is_(True),
                PracticeAnswer.answered_at >= _start_of_day(now),
            )
        )
        or 0
    )


@dataclass
class _QueueParts:
    due: list[tuple[str, float]]
    new: list[str]
    new_today: int
    pool: dict[str, list[tuple[bm.QuestionVersion, int]]] = field(default_factory=dict)


def _queue_parts(session: Session, user: User, now: datetime, new_per_day: int) -> _QueueParts:
    pool = _practice_pool(session)
    cards = session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user.id)).all()
    known = {c.objective for c in cards}
    loaded = [
        (c.objective, scheduler.load(c.card) if c.card else scheduler.new_card(c.id, c.due))
        for c in cards
        if c.objective in pool
    ]
    due = scheduler.due_in_order(loaded, now)
    new_today = _new_today(session, user, now)
    room = max(0, new_per_day - new_today)
    new: list[str] = []
    if room:
        topic_value = {
            row.topic_id: mastery.smoothed(_tally(row))
            for row in session.scalars(
                sa.select(TopicMastery).where(TopicMastery.user_id == user.id)
            )
        }
        prior = mastery.smoothed(mastery.Tally())
        fresh = [o for o in pool if o not in known]
        # New objectives from the weakest topics first (untouched topics count as 0.5).
        fresh.sort(key=lambda o: (topic_value.get(pool[o][0][1], prior), o))
        new = fresh[:room]
    return _QueueParts(due=due, new=new, new_today=new_today, pool=pool)


def practice_summary(
    session: Session, user: User, new_per_day: int, now: datetime | None = None
) -> PracticeSummary:
    now = now or clock.utcnow()
    parts = _queue_parts(session, user, now, new_per_day)
    return PracticeSummary(
        due=len(parts.due),
        new_available=len(parts.new),
        new_today=parts.new_today,
        new_per_day=new_per_day,
    )


def practice_queue(
    session: Session,
    user: User,
    new_per_day: int,
    limit: int = 1,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> list[PracticeSlot]:
    """The next practice items: due objectives by ascending retrievability, then new ones.

    Each slot is a question of that objective the trainee has not seen recently: one never
    seen (in practice or in an attempt) first, at random, else the least recently seen.
    """
    now = now or clock.utcnow()
    rng = rng or random.SystemRandom()
    parts = _queue_parts(session, user, now, new_per_day)
    chosen: list[tuple[str, str, float | None]] = [(o, "due", r) for o, r in parts.due]
    chosen += [(o, "new", None) for o in parts.new]
    chosen = chosen[:limit]
    if not chosen:
        return []
    objectives = {o for o, _, _ in chosen}
    last_seen: dict[int, datetime] = {}
    for question_id, seen_at in session.execute(
        sa.select(PracticeAnswer.question_id, sa.func.max(PracticeAnswer.answered_at))
        .where(PracticeAnswer.user_id == user.id, PracticeAnswer.objective.in_(objectives))
        .group_by(PracticeAnswer.question_id)
    ):
        last_seen[question_id] = _aware(seen_at)  # type: ignore[assignment]
    for question_id, seen_at in session.execute(
        sa.select(bm.QuestionVersion.question_id, sa.func.max(Attempt.started_at))
        .join(AttemptItem, AttemptItem.question_version_id == bm.QuestionVersion.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.user_id == user.id, bm.QuestionVersion.objective.in_(objectives))
        .group_by(bm.QuestionVersion.question_id)
    ):
        seen_at = _aware(seen_at)
        if question_id not in last_seen or seen_at > last_seen[question_id]:
            last_seen[question_id] = seen_at
    slots = []
    for objective, reason, r in chosen:
        versions = [v for v, _ in parts.pool[objective]]
        slots.append(PracticeSlot(objective, _least_recent(versions, last_seen, rng), reason, r))
    return slots


def _least_recent(
    versions: list[bm.QuestionVersion], last_seen: dict[int, datetime], rng: random.Random
) -> bm.QuestionVersion:
    never = [v for v in versions if v.question_id not in last_seen]
    if never:
        return rng.choice(never)
    return min(versions, key=lambda v: (last_seen[v.question_id], v.question_id))


# ---------------------------------------------------------------- instructor cohort

COHORT_SORTS = {
    "name": lambda r: (r.name.lower(), r.user_id),
    "email": lambda r: (r.email, r.user_id),
    "progress": lambda r: (r.modules_passed, r.user_id),
    "last_activity": lambda r: (r.last_activity.timestamp() if r.last_activity else 0.0, r.user_id),
}
COHORT_STATUSES = ("not_started", "in_progress", "completed")
# Sorts on the account alone (the column the database orders by): without a status filter,
# a page reads only its trainees' progress.
PAGE_FIRST_SORTS = {"name": User.sort_name, "email": User.email}


def _codepoint(session: Session, column: Any) -> Any:
    """``column`` compared by code point, as Python compares strings: SQLite's default
    (BINARY) does; on PostgreSQL ``sort_name`` is declared ``COLLATE "C"`` (its index serves
    the order), other columns are asked for "C" (sorted, not by an index)."""
    if session.get_bind().dialect.name == "postgresql" and column is not User.sort_name:
        return sa.collate(column, "C")
    return column


@dataclass(frozen=True)
class CohortRow:
    user_id: int
    name: str
    email: str
    modules_passed: int
    modules_total: int
    last_activity: datetime | None
    weak_topics: list[str]

    @property
    def status(self) -> str:
        if self.modules_total and self.modules_passed >= self.modules_total:
            return "completed"
        if self.last_activity is None:
            return "not_started"
        return "in_progress"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


COHORT_PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class CohortPage:
    """One page of the cohort: ``rows`` of ``total`` matching trainees."""

    rows: list[CohortRow]
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

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


def cohort(
    session: Session,
    program: bm.Program | None,
    *,
    search: str = "",
    status: str = "",
    sort: str = "name",
    descending: bool = False,
    scope: sa.Select | None = None,
) -> list[CohortRow]:
    """Every matching trainee with their progress (the CSV export): ``cohort_page`` unpaged."""
    return _cohort(session, program, search, status, sort, descending, None, None, scope).rows


def cohort_page(
    session: Session,
    program: bm.Program | None,
    *,
    search: str = "",
    status: str = "",
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = COHORT_PAGE_SIZES[0],
    scope: sa.Select | None = None,
) -> CohortPage:
    """One page of the cohort; a page past the end shows the last page.

    ``per_page`` must be one of ``COHORT_PAGE_SIZES`` (callers validate it). ``scope``: a
    select of the user ids to keep (a cohort's trainees, an instructor's), None for all.
    """
    if per_page not in COHORT_PAGE_SIZES:
        raise ValueError(f"unknown page size {per_page!r}")
    return _cohort(
        session, program, search, status, sort, descending, max(1, page), per_page, scope
    )


def _cohort(
    session: Session,
    program: bm.Program | None,
    search: str,
    status: str,
    sort: str,
    descending: bool,
    page: int | None,
    per_page: int | None,
    scope: sa.Select | None = None,
) -> CohortPage:
    """Active trainees with their progress in ``program``: those of ``scope`` (a select of
    user ids: a cohort's, an instructor's cohorts'; the routes build it from app.enrolment),
    every active trainee when None. ``sort`` must be a key of ``COHORT_SORTS`` and ``status`` one of
    ``COHORT_STATUSES`` (or empty): callers validate them; nothing here is interpolated into
    SQL.

    Five queries whatever the number of trainees or the page: the matching trainees, modules
    passed, last attempt, last practice answer (grouped per trainee), then the topic tallies
    (weak topics) of the page's trainees only. Sorted by name or e-mail with no status filter
    (the default view), the page is chosen from the accounts first and the progress is read
    for its trainees only; a status filter or a sort on progress or activity needs it for every
    match (issue 19; docs/benchmarks.md).
    """
    if sort not in COHORT_SORTS:
        raise ValueError(f"unknown sort column {sort!r}")
    trainee_ids = _matching_trainees(search, scope).scalar_subquery()
    slugs = list(program.module_slugs) if program else []
    if per_page is not None and not status and sort in PAGE_FIRST_SORTS:
        counted, paging = _count_of(search, scope), (page, per_page)
        return _cohort_page_first(session, trainee_ids, counted, slugs, sort, descending, paging)
    users = session.execute(
        sa.select(User.id.label("user_id"), User.name, User.email).where(User.id.in_(trainee_ids))
    ).all()
    rows = _progress_rows(session, users, slugs, trainee_ids)
    if status:
        rows = [r for r in rows if r.status == status]
    rows.sort(key=COHORT_SORTS[sort], reverse=descending)
    total = len(rows)
    if per_page is None:
        per_page = max(1, total)
        page = 1
    else:
        pages = max(1, -(-total // per_page))
        page = min(page or 1, pages)
        rows = rows[(page - 1) * per_page : page * per_page]
    return CohortPage(_with_weak_topics(session, rows), page, per_page, total)


def _cohort_page_first(
    session: Session,
    trainee_ids: sa.ScalarSelect,
    counted: sa.Select,
    slugs: list[str],
    sort: str,
    descending: bool,
    page: tuple[int | None, int],
) -> CohortPage:
    """The order needs nothing but the accounts: the database sorts and pages them by an
    index, then the progress of the page's trainees only is read (issue 19: flat as the cohort
    grows). Same order as ``COHORT_SORTS``: the stored ``name_sort_key``, code point order."""
    (number, per_page), matching = page, User.id.in_(trainee_ids)
    total = session.scalar(counted) or 0  # ``trainee_ids`` counted (``_count_of``)
    number = min(number or 1, max(1, -(-total // per_page)))
    keys = [_codepoint(session, PAGE_FIRST_SORTS[sort]), User.id]
    users = session.execute(
        sa.select(User.id.label("user_id"), User.name, User.email)
        .where(matching)
        .order_by(*(k.desc() if descending else k.asc() for k in keys))
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    rows = _progress_rows(session, users, slugs, [u.user_id for u in users])
    return CohortPage(_with_weak_topics(session, rows), number, per_page, total)


def _count_of(search: str, scope: sa.Select | None) -> sa.Select:
    """How many trainees ``_matching_trainees(search, scope)`` gives, as a statement. With a
    ``scope`` and no search (the default view of a cohort), the scope's distinct members are
    counted, less those whose account is not an active trainee's: a few, found by
    ``ix_users_not_active_trainees``. Counting the matching accounts read every member's
    account (a 20,000-trainee cohort: 18 ms on PostgreSQL, against 3-4 ms this way; issue 19,
    docs/benchmarks.md)."""
    if search.strip() or scope is None:
        matching = _matching_trainees(search, scope).subquery()
        return sa.select(sa.func.count()).select_from(matching)
    scoped = scope.subquery()
    member = list(scoped.c)[0]
    # The role inline, as the index's predicate says it (``NOT_ACTIVE_TRAINEE``).
    trainee = sa.literal(Role.TRAINEE.value, literal_execute=True)
    excluded = sa.exists().where(
        User.id == member, sa.or_(User.role != trainee, sa.not_(User.is_active))
    )
    return sa.select(sa.func.count(sa.distinct(member))).where(~excluded)


def _progress_rows(
    session: Session, users: Any, slugs: list[str], trainee_ids: sa.ScalarSelect | list[int]
) -> list[CohortRow]:
    """``users`` (rows of user_id, name, email) with the progress of ``trainee_ids``."""
    passed = _modules_passed(session, slugs, trainee_ids)
    activity = _last_activity(session, trainee_ids)
    return [
        CohortRow(
            user_id=u.user_id,
            name=u.name,
            email=u.email,
            modules_passed=passed.get(u.user_id, 0),
            modules_total=len(slugs),
            last_activity=activity.get(u.user_id),
            weak_topics=[],
        )
        for u in users
    ]


def _matching_trainees(search: str, scope: sa.Select | None = None) -> sa.Select:
    """The ids of the active trainees (of ``scope``) whose name or e-mail contains ``search``
    (any case)."""
    trainees = sa.select(User.id).where(User.role == Role.TRAINEE, User.is_active.is_(True))
    if scope is not None:
        trainees = trainees.where(User.id.in_(scope))
    search = search.strip()
    if search:
        pattern = f"%{_escape_like(search.lower())}%"
        trainees = trainees.where(
            sa.or_(
                sa.func.lower(User.name).like(pattern, escape="\\"),
                sa.func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    return trainees


def _modules_passed(
    session: Session, slugs: list[str], trainee_ids: sa.ScalarSelect | list[int]
) -> dict[int, int]:
    """How many of the program's modules (``slugs``) each trainee has passed (one query)."""
    if not slugs:
        return {}
    return dict(
        session.execute(
            sa.select(Attempt.user_id, sa.func.count(sa.distinct(Attempt.module_id)))
            .join(bm.Module, bm.Module.id == Attempt.module_id)
            .where(
                Attempt.passed.is_(True),
                bm.Module.slug.in_(slugs),
                Attempt.user_id.in_(trainee_ids),
            )
            .group_by(Attempt.user_id)
        ).all()
    )


def _last_activity(
    session: Session, trainee_ids: sa.ScalarSelect | list[int]
) -> dict[int, datetime]:
    """Each trainee's latest attempt or practice answer (two queries)."""
    activity: dict[int, datetime] = {
        user_id: _aware(at)  # type: ignore[misc]
        for user_id, at in session.execute(
            sa.select(
                Attempt.user_id,
                sa.func.max(sa.func.coalesce(Attempt.submitted_at, Attempt.started_at)),
            )
            .where(Attempt.user_id.in_(trainee_ids))
            .group_by(Attempt.user_id)
        )
    }
    for user_id, at in session.execute(
        sa.select(PracticeAnswer.user_id, sa.func.max(PracticeAnswer.answered_at))
        .where(PracticeAnswer.user_id.in_(trainee_ids))
        .group_by(PracticeAnswer.user_id)
    ):
        at = _aware(at)
        if user_id not in activity or at > activity[user_id]:
            activity[user_id] = at
    return activity


def _with_weak_topics(session: Session, rows: list[CohortRow]) -> list[CohortRow]:
    """``rows`` with their weak topics, from the topic tallies of these trainees (one query)."""
    shown = [r.user_id for r in rows]
    weak: dict[int, list[tuple[str, mastery.Tally]]] = defaultdict(list)
    if shown:
        for user_id, title, row in session.execute(
            sa.select(TopicMastery.user_id, bm.Topic.title, TopicMastery)
            .join(bm.Topic, bm.Topic.id == TopicMastery.topic_id)
            .where(TopicMastery.user_id.in_(shown))
        ):
            weak[user_id].append((title, _tally(row)))
    return [
        dataclasses.replace(r, weak_topics=mastery.weak_areas(weak.get(r.user_id, [])))
        for r in rows
    ]


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates (max) bypass the column type on SQLite: make them aware UTC again."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


# ---------------------------------------------------------------- the dashboard


@dataclass
class Dashboard:
    user: User
    program: bm.Program | None
    modules: list[ModuleRow]
    next_step: str
    next_module: bm.Module | None
    certificates: list[CertificateRow] | None
    reminders: list[ExpiryReminder]
    mastery: Mastery
    history: list[HistoryRow]
    practice: PracticeSummary
    completions: list[CompletionRow] = field(default_factory=list)
    # Issue 15: every requirement of the program judged (hours, logbook, practical too).
    requirements: Judgement | None = None

    @property
    def other_unmet(self) -> list[Result]:
        """The unmet requirements beyond the modules (what else to do, in parallel)."""
        if self.requirements is None:
            return []
        return [r for r in self.requirements.unmet if r.kind != "module"]

    @property
    def modules_passed(self) -> int:
        return sum(1 for m in self.modules if m.status == "passed")


def dashboard(
    session: Session, user: User, new_per_day: int, now: datetime | None = None
) -> Dashboard:
    """Everything the trainee dashboard shows, in a constant number of queries. The program
    is the first one the trainee is actively enrolled in (none: no module rows)."""
    now = now or clock.utcnow()
    enrolled = active_programs(session, user)  # the first program the trainee is enrolled in
    program = enrolled[0] if enrolled else None
    rows = program_modules(session, user, program, now) if program else []
    step, step_module = next_step(rows)
    verdict = program_judgement(session, user, program) if program else None
    if verdict is not None and step_module is None and rows and verdict.next_step:
        step = _("You have passed every module. Next: %(step)s.", step=verdict.next_step)
    certificates = certificates_of(session, user)
    return Dashboard(
        user=user,
        program=program,
        modules=rows,
        next_step=step,
        next_module=step_module,
        certificates=certificates,
        reminders=expiry_reminders(session, user, certificates, now),
        mastery=mastery_of(session, user),
        history=attempt_history(session, user),
        practice=practice_summary(session, user, new_per_day, now),
        completions=completions_of(session, user),
        requirements=verdict,
    )
