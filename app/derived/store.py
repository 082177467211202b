"""Keep and reuse derived results (app/derived/__init__.py).

``cached`` returns the stored result when its stamp is the caller's, else computes it and
queues it; ``put_many`` queues results computed elsewhere. Queued results are written by
``keep``, after the caller's transaction, in a short transaction of their own (an upsert: two
workers computing at once both write a valid result for their stamp; the later one stays).
They are not written in the caller's transaction because that is usually a read-only page's:
on SQLite a read transaction cannot take the writer lock once another writer has committed
(a page would fail for a cache entry). When the write cannot be made, the result is shown all
the same and the next view computes it again; nothing else is lost.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app import clock
from app.derived.models import DerivedResult
from app.extensions import dialect_insert

log = logging.getLogger(__name__)

T = TypeVar("T")

# The kinds of derived result (one registry: a new kind is a line here and its module's
# stamp, dump and load).
ITEM_ANALYSIS = "item-analysis"  # subject: module id
IDENTICAL_ANSWERS = "identical-answers"  # subject: completion id
KINDS = frozenset({ITEM_ANALYSIS, IDENTICAL_ANSWERS})


@dataclass(frozen=True)
class Derived(Generic[T]):
    """A result with when it was computed and whether this call computed it."""

    value: T
    computed_at: datetime
    computed_now: bool


def stamp_of(*parts: Any) -> str:
    """A stamp from the values an aggregate query returned (None, numbers, datetimes, text);
    a long one is replaced by its SHA-256 (the column holds 200 characters)."""
    text = "|".join(
        "" if p is None else p.isoformat() if isinstance(p, datetime) else str(p) for p in parts
    )
    return text if len(text) <= 200 else "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _upsert_all(session: Session, rows: list[dict[str, Any]]) -> None:
    """One upsert of ``rows`` (each kind, subject, stamp, payload, computed_at, compute_ms)."""
    stmt = dialect_insert(session, DerivedResult)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["kind", "subject"],
            set_={c: stmt.excluded[c] for c in ("stamp", "payload", "computed_at", "compute_ms")},
        ),
        rows,
    )


def _queue(session: Session, kind: str, subject: str, stamp: str, payload: Any, ms: int) -> None:
    pending = session.info.setdefault(PENDING, {})
    pending[(kind, subject)] = {
        "kind": kind,
        "subject": subject,
        "stamp": stamp,
        "payload": payload,
        "computed_at": clock.utcnow(),
        "compute_ms": ms,
    }


PENDING = "derived_pending"  # session.info key: results waiting for ``keep``


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    """Results computed in a transaction that was rolled back may rest on rows that never
    were: they are not kept."""
    session.info.pop(PENDING, None)


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown derived kind {kind!r}")


# What loading a payload of an older shape raises: such a result is computed again.
UNREADABLE = (KeyError, TypeError, ValueError, AttributeError)

# Kinds whose loaded results each worker also keeps, and how many (the most recently used):
# an item analysis of a 10,000-question pool is a 10 MB payload whose reading and loading cost
# a page 0.1-0.3 s at each view (issue 19). Such a result is used while the stored row is the
# one it was loaded from (its stamp and computed_at, read without the payload at each use):
# a row another worker replaced or ``forget`` deleted is read again. The values are shared by
# the worker's requests: their callers only read them.
KEEP_LOADED = {ITEM_ANALYSIS: 2}
_loaded: OrderedDict[tuple[str, str], tuple[str, datetime, Any]] = OrderedDict()
_loaded_lock = threading.Lock()


def _loaded_hit(kind: str, subject: str, stamp: str, computed_at: datetime) -> Any:
    with _loaded_lock:
        entry = _loaded.get((kind, subject))
        if entry is None or entry[:2] != (stamp, computed_at):
            return None
        _loaded.move_to_end((kind, subject))
        return entry[2]


def _remember_loaded(
    kind: str, subject: str, stamp: str, computed_at: datetime, value: Any
) -> None:
    with _loaded_lock:
        _loaded[(kind, subject)] = (stamp, computed_at, value)
        _loaded.move_to_end((kind, subject))
        while sum(1 for k in _loaded if k[0] == kind) > KEEP_LOADED[kind]:
            del _loaded[next(k for k in _loaded if k[0] == kind)]


def forget_loaded() -> None:
    """Empty the worker's loaded results (tests: ids are reused after a rolled-back test, and
    a frozen clock can give two results the same stamp and computed_at)."""
    with _loaded_lock:
        _loaded.clear()


def _stored_loaded(
    session: Session, kind: str, stamps: Mapping[str, str], subjects: list[str]
) -> tuple[dict[str, Derived[Any]], list[str]]:
    """Of ``subjects``, the results this worker loaded from the very rows stored now (read
    without their payloads), and the subjects whose row is of the caller's stamp but not
    loaded by the worker: those to read (a missing row or another stamp is not read)."""
    hits: dict[str, Derived[Any]] = {}
    to_read: list[str] = []
    for subject, stamp, computed_at in session.execute(
        sa.select(DerivedResult.subject, DerivedResult.stamp, DerivedResult.computed_at).where(
            DerivedResult.kind == kind, DerivedResult.subject.in_(subjects)
        )
    ):
        if stamp != stamps[subject]:
            continue
        value = _loaded_hit(kind, subject, stamp, computed_at)
        if value is None:
            to_read.append(subject)
        else:
            hits[subject] = Derived(value, computed_at, False)
    return hits, sorted(to_read)


def kept(
    session: Session, kind: str, stamps: Mapping[str, str], load: Callable[[Any], T]
) -> dict[str, Derived[T]]:
    """The results of the subjects of ``stamps`` (subject -> the caller's stamp) that are
    queued by this session or stored under that very stamp, loaded, in one statement (two
    for a kind of ``KEEP_LOADED``: the worker's own loaded copy when it is the stored row's);
    a subject whose result is missing, of another stamp or unreadable is absent."""
    _check(kind)
    pending = session.info.get(PENDING, {})
    found = {
        key: (queued["stamp"], queued["payload"], queued["computed_at"])
        for key in stamps
        if (queued := pending.get((kind, key))) is not None
    }
    stored = sorted(set(stamps) - set(found))
    out: dict[str, Derived[T]] = {}
    if stored and kind in KEEP_LOADED:
        out, stored = _stored_loaded(session, kind, stamps, stored)
    if stored:
        for subject, stamp, payload, computed_at in session.execute(
            sa.select(
                DerivedResult.subject,
                DerivedResult.stamp,
                DerivedResult.payload,
                DerivedResult.computed_at,
            ).where(DerivedResult.kind == kind, DerivedResult.subject.in_(stored))
        ):
            found[subject] = (stamp, payload, computed_at)
    for key, (stamp, payload, computed_at) in found.items():
        if stamp != stamps[key]:
            continue
        try:
            out[key] = Derived(load(payload), computed_at, False)
        except UNREADABLE:
            log.warning("derived %s/%s: payload unreadable, computed again", kind, key)
            continue
        if kind in KEEP_LOADED and key in stored:  # read from its row: kept by the worker
            _remember_loaded(kind, key, stamp, computed_at, out[key].value)
    return out


def cached(
    session: Session,
    kind: str,
    subject: int | str,
    stamp: str,
    compute: Callable[[], T],
    dump: Callable[[T], Any],
    load: Callable[[Any], T],
) -> Derived[T]:
    """The result of ``compute`` for ``stamp``: the one ``kept`` (stored or queued by this
    session), else computed and queued for ``keep``."""
    key = str(subject)
    hit = kept(session, kind, {key: stamp}, load).get(key)
    if hit is not None:
        return hit
    started = time.perf_counter()
    value = compute()
    ms = int((time.perf_counter() - started) * 1000)
    try:
        payload = dump(value)
    except ValueError as exc:  # not representable as JSON (a NaN): shown, not kept
        log.warning("derived %s/%s not kept: %s", kind, key, exc)
    else:
        _queue(session, kind, key, stamp, payload, ms)
    return Derived(value, clock.utcnow(), True)


def put_many(session: Session, kind: str, rows: Iterable[tuple[int | str, str, Any]]) -> None:
    """Queue (subject, stamp, payload) results for ``keep`` (what ``kept`` did not have)."""
    _check(kind)
    for subject, stamp, payload in rows:
        _queue(session, kind, str(subject), stamp, payload, 0)


def forget(session: Session, kind: str, subjects: Iterable[int | str]) -> None:
    """Drop stored results (in the caller's transaction) whose inputs changed under a stamp
    that cannot see it."""
    keys = sorted({str(s) for s in subjects})
    pending = session.info.get(PENDING, {})
    for key in keys:
        pending.pop((kind, key), None)
    if keys:
        session.execute(
            sa.delete(DerivedResult).where(
                DerivedResult.kind == kind, DerivedResult.subject.in_(keys)
            )
        )


def keep(session: Session) -> None:
    """End the caller's transaction (committing it: call it where the caller would commit, or
    in a read-only request after rendering), then write the queued results in a transaction
    of their own. On SQLite that transaction's first statement is the write, so it waits for
    the writer lock like any write; if it still cannot be made (or fails), it is rolled back
    and logged: the results will be computed again."""
    session.commit()
    pending = list(session.info.pop(PENDING, {}).values())
    if not pending:
        return
    try:
        _upsert_all(session, pending)
        session.commit()
    except (OperationalError, IntegrityError) as exc:
        session.rollback()
        log.info("derived results not kept (%s); they will be computed again", exc.orig)
