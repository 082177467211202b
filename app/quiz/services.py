"""Writes for the quiz engine: start, save, flag, submit, close expired attempts.

Every function takes the session and the acting user, checks ownership inside its queries,
flushes and never commits: the route (or CLI) commits once. The time that counts is
``app.clock.utcnow()`` when the request arrives; client times are never read.
"""

from __future__ import annotations

import functools
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.attributes import manager_of_class, set_committed_value
from sqlalchemy.orm.util import identity_key

from app import clock
from app.auth import accommodations
from app.auth.models import User
from app.banks import models as bm
from app.banks.schema import Mode, Status, use_of
from app.extensions import json_rows_insert, json_rows_update
from app.i18n import gettext, ngettext
from app.questions.base import AnswerInvalid
from app.quiz import exposure, scoring, shapes, versions
from app.quiz.display import new_display, to_canonical, to_display
from app.quiz.errors import (
    AttemptClosed,
    AttemptLimitReached,
    AttemptNotFound,
    CooldownActive,
    DeadlinePassed,
    ExamInProgress,
    ItemLocked,
    ModuleLocked,
    NothingToDraw,
    ResponseRejected,
    StaleSave,
    StepLocked,
)
from app.quiz.models import Attempt, AttemptItem, AttemptStatus, ExposureKind
from app.quiz.queries import ModuleState, module_state, remember_shapes

DEFAULT_GRACE_SECONDS = 60

# Hooks run inside the submit transaction, after grading (completions, spaced repetition).
# Each takes (session, attempt). Registered by other domains; see app/__init__.py.
after_grading: list[Callable[[Session, Attempt], None]] = []
# Hooks run inside the transaction that created a new attempt (not a resumed one): xAPI.
after_start: list[Callable[[Session, Attempt], None]] = []
# What other domains add to a graded attempt's result page, as sentences: a renewal exam
# passed that waits for its CPD hours (certificates). Each takes (session, attempt).
result_notes: list[Callable[[Session, Attempt], list[str]]] = []


# ---------------------------------------------------------------- starting


def start_attempt(
    session: Session,
    user: User,
    module: bm.Module,
    rng: random.Random | None = None,
    *,
    grace_seconds: int | None = None,
) -> Attempt:
    """The trainee's open attempt at ``module``, or a new one drawn by its blueprint.

    Refuses: ModuleLocked (prerequisites), AttemptLimitReached, CooldownActive, NothingToDraw,
    ExamInProgress (a practice module while an exam is open).
    Concurrent starts make one attempt: the partial unique index on open attempts and the
    unique attempt number let exactly one insert win; the others return the winner.
    """
    return begin_attempt(session, user, module, rng, grace_seconds=grace_seconds)[0]


class Started(NamedTuple):
    """What ``begin_attempt`` did: the attempt, whether it was created (False: resumed) and,
    when created, each item row it wrote (with its id) beside the drawn version."""

    attempt: Attempt
    created: bool
    written: list[tuple[dict[str, Any], DrawnVersion]] | None = None


def begin_attempt(
    session: Session,
    user: User,
    module: bm.Module,
    rng: random.Random | None = None,
    *,
    grace_seconds: int | None = None,
) -> Started:
    """Like ``start_attempt``, also saying whether the attempt was created (False: resumed)."""
    now = clock.utcnow()
    if module.mode == Mode.PRACTICE:
        ensure_no_open_exam(session, user, now, grace_seconds)
    open_attempt = _open_attempt(session, user.id, module.id)
    if (
        open_attempt is not None
        and close_if_expired(session, open_attempt, now, grace_seconds) is None
    ):
        return Started(open_attempt, False)
    terms = accommodations.terms_for(session, user.id)  # extra attempts and time factor
    state = module_state(session, user, module, now, terms)
    _check_may_start(state, module)
    rng = rng or new_rng()
    drawn = draw_questions(session, user, module, rng)
    if not drawn:
        raise NothingToDraw()
    attempt, items = _new_attempt(
        user, module, state.attempts_used + 1, drawn, now, rng, terms.time_factor
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
            rows = [{**i, "attempt_id": attempt.id} for i in items]
            for row, item_id in zip(rows, _insert_items(session, rows), strict=True):
                row["id"] = item_id
            _record_exposure(session, user, drawn)
    except IntegrityError:
        # Another request started this attempt first: use theirs.
        winner = _open_attempt(session, user.id, module.id)
        if winner is None:
            raise AttemptLimitReached(
                gettext("Another attempt was just started or finished.")
            ) from None
        return Started(winner, False)
    for hook in after_start:
        hook(session, attempt)
    return Started(attempt, True, [(row, d[0]) for row, d in zip(rows, drawn, strict=True)])


def detach_started(session: Session, started: Started, module: bm.Module) -> Attempt | None:
    """The attempt just created, with its module and items, as ``queries.attempt_for`` would
    read it back, for the start's response: flushed, then taken out of the session so that
    the commit does not expire it, its items built from the rows the start wrote (two queries
    and 50 loaded items fewer per start; issue 19). Detached: for reading only. None when
    resumed, or when it holds case steps (their case versions are read back instead)."""
    if not started.created or started.written is None:
        return None
    if any(row["case_version_id"] is not None for row, _ in started.written):
        return None
    attempt = started.attempt
    session.flush()
    # Each item as a query would load it: its state made without __init__ (which records
    # every attribute as a change to flush), the columns and relationships as loaded values.
    new_item = manager_of_class(AttemptItem).new_instance
    items = []
    for row, version in started.written:
        item = new_item()
        item.__dict__.update(row, response=None, saved_at=None, score=None)
        item.__dict__.update(attempt=attempt, case_version=None)
        # Without case steps, each version is the draw's PoolVersion (its decoded content).
        item.__dict__["version_data"] = cast(PoolVersion, version).data
        items.append(item)
    session.expunge(attempt)
    session.expunge(module)
    set_committed_value(attempt, "module", module)
    set_committed_value(attempt, "items", items)
    remember_shapes(attempt)
    return attempt


def new_rng() -> random.Random:
    """A start's generator, seeded with 128 bits from the system: as unforeseeable as the
    system's generator, without a getrandom call for each of the draw's and the shuffles'
    hundreds of numbers (about a millisecond per start; issue 19)."""
    return random.Random(secrets.randbits(128))


def ensure_no_open_exam(
    session: Session, user: User, now: datetime | None = None, grace_seconds: int | None = None
) -> None:
    """Refuse practice (ExamInProgress, 409) while ``user`` has an exam attempt open: practice
    shows keys on check, and the pools overlap. An exam past its deadline + grace no longer
    counts (it is closed by the next request on it, or by ``attempts close-expired``). Reads
    only."""
    now = now or clock.utcnow()
    open_exams = session.scalars(
        sa.select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.mode == Mode.EXAM,
        )
    ).all()
    for attempt in open_exams:
        if attempt.deadline is None or now <= attempt.deadline + grace(grace_seconds):
            raise ExamInProgress()


def _check_may_start(state: ModuleState, module: bm.Module) -> None:
    """Refuse a new attempt: ModuleLocked, AttemptLimitReached or CooldownActive."""
    if state.locked_reason:
        raise ModuleLocked(state.locked_reason)
    if state.attempts_left == 0:
        raise AttemptLimitReached(
            ngettext(
                "You have used your %(num)s attempt.",
                "You have used all %(num)s attempts.",
                state.attempt_limit or 0,
            )
        )
    if state.next_allowed_at is not None:
        raise CooldownActive(
            gettext(
                "Your next attempt is allowed from %(time)s UTC.",
                time=state.next_allowed_at.strftime("%Y-%m-%d %H:%M"),
            )
        )


def _new_attempt(
    user: User,
    module: bm.Module,
    attempt_no: int,
    drawn: list[Drawn],
    now: datetime,
    rng: random.Random,
    time_factor: float = 1.0,
) -> tuple[Attempt, list[dict[str, Any]]]:
    """The attempt (not yet added) and the rows of its drawn items, each with its shuffled
    display; a timed exam's deadline is ``time_factor`` × the time limit (the trainee's
    accommodation), to the whole second."""
    deadline = (
        now + timedelta(seconds=round(60 * module.time_limit_minutes * time_factor))
        if (module.time_limit_minutes and module.mode == Mode.EXAM)
        else None
    )
    attempt = Attempt(
        user_id=user.id,
        module_id=module.id,
        attempt_no=attempt_no,
        mode=module.mode,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline=deadline,
        max_score=float(len(drawn)),
        pass_mark=module.pass_mark,
    )
    items = [
        {
            "position": i + 1,
            "question_version_id": version.id,
            "case_version_id": case_version_id,
            "case_step": step,
            "display": new_display(version.as_question(), rng),
            "max_score": scoring.MAX_SCORE,
        }
        for i, (version, case_version_id, step) in enumerate(drawn)
    ]
    return attempt, items


ITEM_COLUMNS = (
    "attempt_id", "position", "question_version_id", "case_version_id", "case_step",
    "display", "seq", "flagged", "locked", "max_score",
)  # fmt: skip


@functools.cache
def _items_insert(dialect: str) -> Any:
    """The insert of a new attempt's items, returning (position, id) pairs (matched by
    position, so their order does not matter: asking SQLAlchemy for it would send SQLite a
    statement per row). On PostgreSQL the rows as one JSON parameter
    (``extensions.json_rows_insert``), on SQLite an executemany, which SQLAlchemy sends as
    one multi-row ``VALUES`` for its ``RETURNING``."""
    table = AttemptItem.__table__
    if dialect == "postgresql":
        return json_rows_insert(AttemptItem, ITEM_COLUMNS, returning=("position", "id"))
    return table.insert().returning(table.c.position, table.c.id)


def _insert_items(session: Session, items: list[dict[str, Any]]) -> list[int]:
    """A new attempt's items (each row gets the model's defaults) in one statement; their
    ids, in the order of ``items``. ``attempt.items`` loads them when read."""
    for item in items:
        for column, default in (("seq", 0), ("flagged", False), ("locked", False)):
            item.setdefault(column, default)
    dialect = session.get_bind().dialect.name
    params = {"rows": items} if dialect == "postgresql" else items
    ids = dict(session.execute(_items_insert(dialect), params).all())
    return [ids[item["position"]] for item in items]


def _record_exposure(session: Session, user: User, drawn: list[Drawn]) -> None:
    """What this start served, for the draws that follow (``quiz.exposure``): the case
    versions were loaded by the draw, so ``session.get`` reads the identity map."""
    case_versions = [session.get(bm.CaseVersion, cv_id) for _, cv_id, _ in drawn if cv_id]
    exposure.record(
        session,
        user.id,
        {version.question_id for version, _, _ in drawn},
        {cv.case_id for cv in case_versions if cv is not None},
    )


def _open_attempt(session: Session, user_id: int, module_id: int) -> Attempt | None:
    return session.scalar(_open_attempt_query(), {"user_id": user_id, "module_id": module_id})


@functools.cache
def _open_attempt_query() -> sa.Select:
    return sa.select(Attempt).where(
        Attempt.user_id == sa.bindparam("user_id"),
        Attempt.module_id == sa.bindparam("module_id"),
        Attempt.status == AttemptStatus.IN_PROGRESS,
    )


class DrawnVersion(Protocol):
    """What a start needs of a drawn question version: an ORM ``QuestionVersion`` (a case's
    steps) or a ``PoolVersion`` (the blueprint's questions)."""

    id: int
    question_id: int

    def as_question(self) -> Any: ...


@dataclass(frozen=True)
class PoolVersion:
    """A question version the blueprint drew: its ids, and its content decoded once per worker
    (``quiz.versions``), so that the pool is read as plain columns."""

    id: int
    question_id: int
    data: versions.VersionData

    def as_question(self) -> Any:
        return self.data.as_question()


Drawn = tuple[DrawnVersion, int | None, int | None]


def draw_questions(
    session: Session, user: User, module: bm.Module, rng: random.Random
) -> list[Drawn]:
    """Questions by blueprint row (topic, difficulty), then whole cases: only items of the
    module's use (exam modules exam items, practice modules practice items); among the
    candidates of a row, those this trainee has not seen first, then the least exposed (the
    fewest distinct trainees served), ties broken at random."""
    topics = sorted({row["topic"] for row in module.blueprint})
    pool = session.execute(_pool_query(), {"use": use_of(module.mode), "topics": topics}).all()
    stats = exposure.stats(session, user.id, ExposureKind.QUESTION, {v.question_id for v in pool})
    chosen: list[Any] = []
    taken: set[int] = set()
    # Rows with a difficulty first, so that "any difficulty" rows take what is left.
    for row in sorted(module.blueprint, key=lambda r: r.get("difficulty") is None):
        candidates = [
            v
            for v in pool
            if v.slug == row["topic"]
            and v.question_id not in taken
            and (row.get("difficulty") is None or v.difficulty == row["difficulty"])
        ]
        for version in _least_exposed(
            candidates, stats, row["count"], rng, key=lambda v: v.question_id
        ):
            taken.add(version.question_id)
            chosen.append(version)
    rng.shuffle(chosen)
    decoded = versions.load(session, [v.id for v in chosen])
    drawn: list[Drawn] = [
        (PoolVersion(v.id, v.question_id, decoded[v.id]), None, None) for v in chosen
    ]
    if module.case_draws:
        drawn.extend(_draw_cases(session, user, module, rng))
    return drawn


@functools.cache
def _pool_query() -> sa.Select:
    """The published standalone questions of a use (``:use``) in some topics (``:topics``),
    as plain columns; built once (issue 19)."""
    QV = bm.QuestionVersion
    return (
        sa.select(bm.Topic.slug, QV.id, QV.question_id, QV.difficulty)
        .join(bm.Question, bm.Question.topic_id == bm.Topic.id)
        .join(QV, QV.id == bm.Question.current_version_id)
        .where(bm.Question.status == Status.PUBLISHED, bm.Question.case_id.is_(None))
        .where(QV.use == sa.bindparam("use"))
        .where(bm.Topic.slug.in_(sa.bindparam("topics", expanding=True)))
    )


def _least_exposed(
    candidates: list,
    stats: dict[int, tuple[bool, int]],
    count: int,
    rng: random.Random,
    key: Callable[[Any], int],
) -> list:
    """``count`` candidates: unseen by the trainee first, then the least exposed; a random
    order among equals (shuffled, then a stable sort)."""
    order = list(candidates)
    rng.shuffle(order)
    order.sort(key=lambda c: stats.get(key(c), (False, 0)))
    return order[:count]


def _draw_cases(session: Session, user: User, module: bm.Module, rng: random.Random) -> list[Drawn]:
    cases = session.execute(
        sa.select(bm.Topic.slug, bm.CaseVersion)
        .join(bm.Case, bm.Case.topic_id == bm.Topic.id)
        .join(bm.CaseVersion, bm.CaseVersion.id == bm.Case.current_version_id)
        .where(bm.Case.status == Status.PUBLISHED, bm.CaseVersion.use == use_of(module.mode))
        .options(selectinload(bm.CaseVersion.steps).selectinload(bm.CaseStep.question_version))
    ).all()
    stats = exposure.stats(session, user.id, ExposureKind.CASE, {cv.case_id for _, cv in cases})
    out: list[Drawn] = []
    taken: set[int] = set()
    for draw in module.case_draws:
        candidates = [
            cv
            for slug, cv in cases
            if (draw.get("topic") is None or slug == draw["topic"]) and cv.case_id not in taken
        ]
        for cv in _least_exposed(candidates, stats, draw["count"], rng, key=lambda c: c.case_id):
            taken.add(cv.case_id)
            out.extend((step.question_version, cv.id, step.position) for step in cv.steps)
    return out


# ---------------------------------------------------------------- saving


@dataclass(frozen=True)
class SaveResult:
    item: AttemptItem | None  # None when the one-statement path saved it (nothing was loaded)
    seq: int
    saved_at: datetime | None = None
    locked: bool = False


def grace(config_seconds: int | None) -> timedelta:
    return timedelta(seconds=DEFAULT_GRACE_SECONDS if config_seconds is None else config_seconds)


def save_response(
    session: Session,
    user: User,
    attempt_id: int,
    item_id: int,
    response: Any,
    seq: Any,
    *,
    grace_seconds: int | None = None,
    lock: bool = False,
    flagged: bool | None = None,
) -> SaveResult:
    """Store a response, if ``seq`` is the item's current seq; returns the new seq.

    Refuses: AttemptNotFound (not the user's), AttemptClosed, DeadlinePassed (after deadline +
    grace), StaleSave (seq behind: another tab or a replay), StepLocked/ItemLocked,
    ResponseRejected (malformed, naming the field). Nothing changes when it refuses.
    """
    now = clock.utcnow()
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise ResponseRejected(gettext("seq: must be an integer"))
    shape = shapes.get(item_id)
    if shape is not None and not lock and shape.case_step is None:
        saved = _save_known_item(
            session,
            user,
            attempt_id,
            item_id,
            shape,
            response,
            seq,
            flagged=flagged,
            now=now,
            grace_seconds=grace_seconds,
        )
        if saved is not None:
            return saved
    attempt, item = _attempt_and_item(session, user, attempt_id, item_id, for_share=True)
    _check_open(session, attempt, now, grace_seconds)
    if lock and attempt.mode == Mode.PRACTICE:
        ensure_no_open_exam(session, user, now, grace_seconds)
    _check_item_answerable(session, attempt, item)
    question = _decoded_question(session, item)
    _remember_shape(attempt, item, question)
    canonical = None if response is None else to_canonical(question, item.display, response)
    if seq == item.seq - 1 and item.saved_at is not None and canonical == item.response:
        # A replay of the save just acknowledged (a retry after a lost response): no change.
        return SaveResult(item, item.seq, item.saved_at, item.locked)
    values: dict[str, Any] = {"response": canonical, "seq": AttemptItem.seq + 1, "saved_at": now}
    # A case step locks once answered; in practice, "check" locks the answer and shows feedback.
    if canonical is not None and (
        item.case_step is not None or (lock and attempt.mode == Mode.PRACTICE)
    ):
        values["locked"] = True
    if flagged is not None:
        values["flagged"] = flagged
    _update_item(session, attempt, item, seq, values)
    # item_id, not item.id: the update expired the item, and reading its id would load it again
    shapes.note_answer(item_id, seq + 1, canonical)
    return SaveResult(item, seq + 1, now, bool(values.get("locked", False)))


def _decoded_question(session: Session, item: AttemptItem) -> Any:
    """The item's question from the worker's decoded copy (``quiz.versions``), kept on the
    item for the response's feedback (``item.version``): decoding the content at every first
    save cost the spike."""
    data = versions.load(session, [item.question_version_id])[item.question_version_id]
    item.version_data = data  # type: ignore[attr-defined]
    return data.as_question()


def _remember_shape(attempt: Attempt, item: AttemptItem, question: Any) -> None:
    shapes.remember(item.id, shapes.of(attempt, item, question))


def _save_known_item(
    session: Session,
    user: User,
    attempt_id: int,
    item_id: int,
    shape: shapes.ItemShape,
    response: Any,
    seq: int,
    *,
    flagged: bool | None,
    now: datetime,
    grace_seconds: int | None,
) -> SaveResult | None:
    """The save of an item this worker has seen, in one conditional ``UPDATE`` (issue 19).

    Its ``WHERE`` checks together what the full path checks one by one: the item's seq and
    lock, the attempt's owner, state and deadline (plus grace), and the attempt and version the
    cached shape names. On PostgreSQL the attempt row is share-locked by the same statement, so
    the save cannot interleave with a submit's grading. None when no row matched: the caller
    takes the full path, which says why (stale, closed, late, not yours) or acknowledges a
    replay. Refuses a malformed answer (ResponseRejected) before writing anything.
    """
    if shape.user_id != user.id or shape.attempt_id != attempt_id:
        return None  # the full path answers AttemptNotFound
    canonical = None if response is None else to_canonical(shape.question, shape.display, response)
    written = _update_known_item(
        session, user, item_id, shape, canonical, seq, flagged, now, grace_seconds
    )
    if written is None:
        return None
    return SaveResult(None, seq + 1, now, False)


@dataclass(frozen=True)
class PositionSave:
    """A save by position done without loading the attempt: the item's state afterwards
    (``changed`` False: the answer and flag were already those, nothing was written)."""

    seq: int
    flagged: bool
    saved_at: datetime | None
    deadline: datetime | None
    items: int  # the attempt's number of items (where "next" leads)
    changed: bool


# (question, display) -> the posted answer in opaque ids, or None when left blank.
AnswerParser = Callable[[Any, dict[str, Any]], dict[str, Any] | None]


def save_at_position(
    session: Session,
    user: User,
    attempt_id: int,
    position: int,
    parse: AnswerParser,
    seq: int,
    flagged: bool,
    *,
    grace_seconds: int | None = None,
) -> PositionSave | None:
    """The pages' save (quiz.js's fetch and the form) of a standalone item, by position, in
    one conditional ``UPDATE`` (issue 19); None whenever the full path must answer instead.

    The pages' rule is kept: an unchanged answer is not written (its seq stays) and only a
    changed flag is. So the save must know the stored answer: when this worker noted the
    answer at ``seq`` (``shapes.answer_at``) a changed answer is written at once, the
    ``UPDATE`` checking seq, lock, owner, state and deadline as the API's save does; otherwise
    one read of the item and its attempt decides first. None (the caller's full path, which
    reads everything and says why) for anything else: another's or a missing attempt, closed
    or late, a stale seq, a locked item or a case step, a flag changed on an unchanged
    answer, and a row the ``UPDATE`` did not match. A malformed answer raises AnswerInvalid
    or ResponseRejected only once the attempt is known to be open and the seq current (the
    full path's order); nothing is written before.
    """
    now = clock.utcnow()
    saved = _save_if_changed(
        session, user, attempt_id, position, parse, seq, flagged, now, grace_seconds
    )
    if saved is not None:
        return saved
    found = _item_at(session, user, attempt_id, position)
    if found is None:
        return None
    item_id, shape, state = found
    late = state.deadline is not None and now > state.deadline + grace(grace_seconds)
    if not state.is_open or late or state.locked or shape.case_step is not None:
        return None
    if state.seq != seq:
        return None  # stale, or a replay: the full path tells which
    shapes.note_answer(item_id, state.seq, state.response)
    response = parse(shape.question, shape.display)
    if response is None or response == to_display(shape.question, shape.display, state.response):
        if flagged != state.flagged:
            return None  # the flag alone changes: the full path sets it
        return PositionSave(
            state.seq, state.flagged, state.saved_at, state.deadline, shape.items or 0, False
        )
    canonical = to_canonical(shape.question, shape.display, response)
    written = _update_known_item(
        session, user, item_id, shape, canonical, seq, flagged, now, grace_seconds
    )
    if written is None:
        return None
    return _written_at(written, shape)


def _written_at(written: Written, shape: shapes.ItemShape) -> PositionSave:
    deadline = written.deadline
    return PositionSave(
        written.seq, written.flagged, written.saved_at, deadline, shape.items or 0, True
    )


def _save_if_changed(
    session: Session,
    user: User,
    attempt_id: int,
    position: int,
    parse: AnswerParser,
    seq: int,
    flagged: bool,
    now: datetime,
    grace_seconds: int | None,
) -> PositionSave | None:
    """The save when this worker knows the item and its answer at ``seq``: written if the
    answer changed, else None (the read decides). Nothing is known of the attempt's state
    yet, so a malformed answer is left to the read too."""
    known = shapes.at(attempt_id, position)
    if known is None:
        return None
    item_id, shape = known
    noted = shapes.answer_at(item_id)
    if shape.user_id != user.id or shape.case_step is not None or shape.items is None:
        return None
    if noted is None or noted[0] != seq:
        return None
    stored = noted[1]
    try:
        response = parse(shape.question, shape.display)
        if response is None or response == to_display(shape.question, shape.display, stored):
            return None
        canonical = to_canonical(shape.question, shape.display, response)
    except (AnswerInvalid, ResponseRejected):
        return None  # parsed again after the read, and refused in the full path's order
    written = _update_known_item(
        session, user, item_id, shape, canonical, seq, flagged, now, grace_seconds
    )
    if written is None:
        return None
    return _written_at(written, shape)


@dataclass(frozen=True)
class _ItemState:
    response: dict[str, Any] | None
    seq: int
    flagged: bool
    locked: bool
    saved_at: datetime | None
    is_open: bool
    deadline: datetime | None


def _item_at(
    session: Session, user: User, attempt_id: int, position: int
) -> tuple[int, shapes.ItemShape, _ItemState] | None:
    """The user's item at ``position`` with its attempt's state, in one read (and its question
    version's, from ``versions`` or one more); the shape remembered with its position."""
    others = aliased(AttemptItem)
    count = sa.select(sa.func.count(others.id)).where(others.attempt_id == Attempt.id)
    row = session.execute(
        sa.select(
            AttemptItem.id,
            AttemptItem.question_version_id,
            AttemptItem.case_step,
            AttemptItem.display,
            AttemptItem.response,
            AttemptItem.seq,
            AttemptItem.flagged,
            AttemptItem.locked,
            AttemptItem.saved_at,
            Attempt.status,
            Attempt.deadline,
            Attempt.started_at,
            Attempt.mode,
            count.scalar_subquery(),
        )
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(
            Attempt.id == attempt_id,
            Attempt.user_id == user.id,
            AttemptItem.position == position,
        )
    ).first()
    if row is None:
        return None
    (item_id, version_id, case_step, display, response, seq, flagged, locked, saved_at) = row[:9]
    status, deadline, started_at, mode, items = row[9:]
    question = versions.load(session, [version_id])[version_id].question
    shape = shapes.ItemShape(
        attempt_id,
        started_at,
        user.id,
        version_id,
        mode,
        case_step,
        question,
        dict(display),
        position,
        items,
    )
    shapes.remember(item_id, shape)
    state = _ItemState(
        response, seq, flagged, locked, saved_at, status == AttemptStatus.IN_PROGRESS, deadline
    )
    return item_id, shape, state


@dataclass(frozen=True)
class Written:
    """What the conditional ``UPDATE`` wrote, read back by its ``RETURNING``."""

    seq: int
    flagged: bool
    saved_at: datetime | None
    deadline: datetime | None  # the attempt's, as it is now (an extension may have moved it)


@functools.cache
def _known_item_update(dialect: str, with_flag: bool) -> Any:
    """The conditional ``UPDATE`` of ``_update_known_item``, built once per dialect and form
    (its parameters bound at each save): building it at every save cost about a fifth of a
    save's time (SQL construction and its cache key)."""
    open_attempt = sa.select(Attempt.id).where(
        Attempt.id == sa.bindparam("k_attempt"),
        Attempt.started_at == sa.bindparam("k_started", type_=Attempt.started_at.type),
        Attempt.user_id == sa.bindparam("k_user"),
        Attempt.status == AttemptStatus.IN_PROGRESS,
        sa.or_(
            Attempt.deadline.is_(None),
            Attempt.deadline >= sa.bindparam("k_late", type_=Attempt.deadline.type),
        ),
    )
    if dialect != "sqlite":  # SQLite serialises writers anyway
        open_attempt = open_attempt.with_for_update(read=True)
    values: dict[str, Any] = {
        "response": sa.bindparam("k_response", type_=sa.JSON(none_as_null=True)),  # None: SQL NULL
        "seq": AttemptItem.seq + 1,
        "saved_at": sa.bindparam("k_now", type_=AttemptItem.saved_at.type),
    }
    if with_flag:
        values["flagged"] = sa.bindparam("k_flagged", type_=sa.Boolean())
    deadline = sa.select(Attempt.deadline).where(Attempt.id == sa.bindparam("k_attempt"))
    return (
        sa.update(AttemptItem)
        .where(
            AttemptItem.id == sa.bindparam("k_item"),
            AttemptItem.attempt_id.in_(open_attempt.scalar_subquery()),
            AttemptItem.question_version_id == sa.bindparam("k_version"),
            AttemptItem.seq == sa.bindparam("k_seq"),
            AttemptItem.locked.is_(False),
        )
        .values(**values)
        .returning(
            AttemptItem.seq, AttemptItem.flagged, AttemptItem.saved_at, deadline.scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )


def _update_known_item(
    session: Session,
    user: User,
    item_id: int,
    shape: shapes.ItemShape,
    canonical: Any,
    seq: int,
    flagged: bool | None,
    now: datetime,
    grace_seconds: int | None,
) -> Written | None:
    """The one conditional ``UPDATE`` of a known item (see ``_save_known_item``); None when
    it matched no row (nothing written)."""
    statement = _known_item_update(session.get_bind().dialect.name, flagged is not None)
    params: dict[str, Any] = {
        "k_item": item_id,
        "k_attempt": shape.attempt_id,
        "k_started": shape.started_at,
        "k_user": user.id,
        "k_late": now - grace(grace_seconds),
        "k_version": shape.version_id,
        "k_seq": seq,
        "k_response": canonical,
        "k_now": now,
    }
    if flagged is not None:
        params["k_flagged"] = flagged
    row = session.execute(statement, params).first()
    if row is None:
        return None
    loaded = session.identity_map.get(identity_key(AttemptItem, item_id))
    if loaded is not None:  # a page that loaded the item reads it again after the save
        session.expire(loaded)
    shapes.note_answer(item_id, row[0], canonical)
    return Written(*row)


def _check_item_answerable(session: Session, attempt: Attempt, item: AttemptItem) -> None:
    """Refuse a locked item, or a case step whose previous step is not answered yet."""
    if item.locked:
        raise (
            ItemLocked()
            if item.case_step is None
            else StepLocked(gettext("This case step was answered and is locked."))
        )
    if item.case_step and item.case_step > 1:
        previous = session.scalar(
            sa.select(AttemptItem.locked).where(
                AttemptItem.attempt_id == attempt.id, AttemptItem.position == item.position - 1
            )
        )
        if not previous:
            raise StepLocked(gettext("Answer the previous step of the case first."))


def _update_item(
    session: Session, attempt: Attempt, item: AttemptItem, seq: int, values: dict[str, Any]
) -> None:
    """Write ``values`` to the item if its seq is still ``seq``, it is not locked and the
    attempt is open; otherwise raise AttemptClosed or StaleSave."""
    # Conditional update: the seq check and the attempt's state are checked atomically.
    still_open = sa.exists().where(
        Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS
    )
    result = session.execute(
        sa.update(AttemptItem)
        .where(
            AttemptItem.id == item.id,
            AttemptItem.seq == seq,
            AttemptItem.locked.is_(False),
            still_open,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(item)
        session.refresh(attempt)
        if not attempt.is_open:
            raise AttemptClosed()
        raise StaleSave()
    session.expire(item)


def set_flag(
    session: Session,
    user: User,
    attempt_id: int,
    item_id: int,
    flagged: bool,
    grace_seconds: int | None = None,
) -> None:
    """Flag or unflag a question for review (no seq: flags never overwrite answers)."""
    now = clock.utcnow()
    attempt, item = _attempt_and_item(session, user, attempt_id, item_id)
    _check_open(session, attempt, now, grace_seconds)
    item.flagged = flagged
    session.flush()


def _attempt_and_item(
    session: Session, user: User, attempt_id: int, item_id: int, for_share: bool = False
) -> tuple[Attempt, AttemptItem]:
    stmt = (
        sa.select(Attempt, AttemptItem)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id, AttemptItem.id == item_id)
    )
    if for_share:
        # On PostgreSQL a save holds a share lock on the attempt, so it cannot interleave with
        # a submit's grading (SQLite serialises writers anyway; the clause is omitted there).
        stmt = stmt.with_for_update(read=True, of=Attempt)
    row = session.execute(stmt).first()
    if row is None:
        raise AttemptNotFound()
    return row[0], row[1]


def _check_open(
    session: Session, attempt: Attempt, now: datetime, grace_seconds: int | None
) -> None:
    if not attempt.is_open:
        raise AttemptClosed()
    if attempt.deadline is not None and now > attempt.deadline + grace(grace_seconds):
        raise DeadlinePassed()


# ---------------------------------------------------------------- submitting


def submit_attempt(
    session: Session, user: User, attempt_id: int, grace_seconds: int | None = None
) -> Attempt:
    """Grade and close the attempt, exactly once; a repeated submit returns the same grade.

    After deadline + grace the attempt is closed as expired, graded on what was saved, with
    ``submitted_at`` = deadline.
    """
    now = clock.utcnow()
    attempt = session.scalar(
        sa.select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
    )
    if attempt is None:
        raise AttemptNotFound()
    if not attempt.is_open:
        return attempt
    if attempt.deadline is not None and now > attempt.deadline + grace(grace_seconds):
        return _grade(session, attempt, AttemptStatus.EXPIRED, attempt.deadline) or attempt
    return _grade(session, attempt, AttemptStatus.SUBMITTED, now) or attempt


def close_if_expired(
    session: Session,
    attempt: Attempt,
    now: datetime | None = None,
    grace_seconds: int | None = None,
) -> Attempt | None:
    """Close an open attempt whose deadline + grace has passed; None when it is still open."""
    now = now or clock.utcnow()
    if not attempt.is_open:
        return attempt
    if attempt.deadline is None or now <= attempt.deadline + grace(grace_seconds):
        return None
    _grade(session, attempt, AttemptStatus.EXPIRED, attempt.deadline)
    return attempt


def close_expired(session: Session, grace_seconds: int | None = None) -> int:
    """Close every open attempt past deadline + grace (for a scheduler); returns how many."""
    cutoff = clock.utcnow() - grace(grace_seconds)
    ids = session.scalars(
        sa.select(Attempt.id).where(
            Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.deadline.is_not(None),
            Attempt.deadline < cutoff,
        )
    ).all()
    closed = 0
    for attempt_id in ids:
        attempt = session.get(Attempt, attempt_id)
        if (
            attempt is not None
            and _grade(session, attempt, AttemptStatus.EXPIRED, attempt.deadline) is not None
        ):
            closed += 1
    return closed


def _grade(
    session: Session, attempt: Attempt, status: AttemptStatus, submitted_at: datetime
) -> Attempt | None:
    """Claim the attempt with a conditional update, then score it; None if another won."""
    claimed = session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=status, submitted_at=submitted_at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.refresh(attempt)
        return None
    set_committed_value(attempt, "status", status)  # what the update wrote
    set_committed_value(attempt, "submitted_at", submitted_at)
    total = _score_items(session, attempt)
    attempt.score, attempt.percent, attempt.passed = scoring.attempt_result(
        total, attempt.max_score, attempt.pass_mark
    )
    session.flush()
    for hook in after_grading:
        hook(session, attempt)
    return attempt


def _score_items(session: Session, attempt: Attempt) -> float:
    """Score each item of the attempt on what it holds, write the scores in one statement
    and return their sum. The questions come from the worker's decoded versions
    (``quiz.versions``: a version never changes), the items as plain columns; the items this
    session holds get their new score too."""
    rows = session.execute(_items_to_score_query(), {"attempt_id": attempt.id}).all()
    decoded = versions.load(session, {version_id for _, version_id, _ in rows})
    scores = [
        {"id": item_id, "score": scoring.score(decoded[version_id].question, response).score}
        for item_id, version_id, response in rows
    ]
    if scores:
        dialect = session.get_bind().dialect.name
        params: Any = {"rows": scores}
        if dialect != "postgresql":
            params = [{"id_": row["id"], "score_": row["score"]} for row in scores]
        session.execute(_scores_update(dialect), params)
    by_id = {row["id"]: row["score"] for row in scores}
    for held in list(session.identity_map.values()):
        if isinstance(held, AttemptItem) and held.id in by_id:
            set_committed_value(held, "score", by_id[held.id])
    return sum(by_id.values())


@functools.cache
def _items_to_score_query() -> sa.Select:
    return sa.select(AttemptItem.id, AttemptItem.question_version_id, AttemptItem.response).where(
        AttemptItem.attempt_id == sa.bindparam("attempt_id")
    )


@functools.cache
def _scores_update(dialect: str) -> Any:
    """The items' new scores: on PostgreSQL one statement (``extensions.json_rows_update``),
    on SQLite an executemany (in process, no round trips)."""
    if dialect == "postgresql":
        return json_rows_update(AttemptItem, "id", ("score",))
    table = AttemptItem.__table__
    return (
        table.update().where(table.c.id == sa.bindparam("id_")).values(score=sa.bindparam("score_"))
    )
