"""Item exposure: which trainees have been served each question and each case, and how many.

The draw prefers, among a blueprint row's candidates, those the trainee has not seen, then the
least exposed (the fewest distinct trainees ever served the item). Counting that from the
attempt items grows with the institution's history (a start took 410 ms at 5,000 earlier
exams of its module: docs/benchmarks.md), so the start records what it served:

- ``item_exposures``: one row per (trainee, kind, item), inserted with "on conflict do
  nothing" in the start's transaction (inside its savepoint: a start that loses the race for
  the open attempt records nothing);
- ``exposure_counts``: raised by one for each of those rows that was new, by an upsert
  (``trainees = trainees + 1``) under the row's lock: exact on both databases whatever the
  order in which concurrent starts commit. Rows are written in key order, so two starts never
  wait on each other in a cycle.

A draw then reads its pool's counts, with whether this trainee saw each, in one lookup
bounded by the pool. ``rebuild`` recounts from the attempt items (the migration's backfill
and the synthetic institution of ``flask bench seed``); the tests hold the kept counts to
that recount after concurrent starts.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from app.banks import models as bm
from app.extensions import one_of, unnest_params
from app.quiz.models import Attempt, AttemptItem, ExposureCount, ExposureKind, ItemExposure

Stats = dict[int, tuple[bool, int]]  # item id -> (seen by this trainee, distinct trainees)


def record(
    session: Session, user_id: int, questions: Iterable[int], cases: Iterable[int] = ()
) -> None:
    """``user_id`` was served these questions and cases: two statements, whatever their
    number (none when there is nothing to record)."""
    pairs = [
        {"user_id": user_id, "kind": kind, "item_id": item_id}
        for kind, ids in ((ExposureKind.QUESTION, questions), (ExposureKind.CASE, cases))
        for item_id in sorted(set(ids))
    ]
    if not pairs:
        return
    dialect = session.get_bind().dialect.name
    served, raised = _statements(dialect)
    postgres = dialect == "postgresql"
    new = session.execute(served, unnest_params(SERVED, pairs) if postgres else pairs).all()
    if not new:
        return
    counts = [{"kind": k, "item_id": i, "trainees": 1} for k, i in sorted(new)]
    session.execute(raised, unnest_params(RAISED, counts) if postgres else counts).all()


SERVED = ("user_id", "kind", "item_id")
RAISED = ("kind", "item_id", "trainees")


@functools.cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The two upserts of ``record``, built once per dialect. Each writes all its rows in
    one statement, in key order, so that two starts never wait on each other in a cycle.

    On PostgreSQL an insert from arrays (a short text psycopg parses once), written as text:
    SQLAlchemy caches a text's compilation, while it compiles its ``INSERT … ON CONFLICT``
    construct again at every execution (4% of a worker's time in the spike; issue 19). On
    SQLite that construct as an executemany with RETURNING, which SQLAlchemy sends as one
    multi-row ``VALUES`` ("insertmanyvalues")."""
    if dialect == "postgresql":
        return _postgres_statements()
    return (
        sqlite.insert(ItemExposure)
        .on_conflict_do_nothing(index_elements=list(SERVED))
        .returning(ItemExposure.kind, ItemExposure.item_id),
        sqlite.insert(ExposureCount)
        .on_conflict_do_update(
            index_elements=["kind", "item_id"],
            set_={"trainees": ExposureCount.trainees + 1},
        )
        .returning(ExposureCount.item_id),
    )


def _postgres_statements() -> tuple[Any, Any]:
    served, raised = ItemExposure.__table__, ExposureCount.__table__

    def arrays(table: Any, columns: tuple[str, ...]) -> list[Any]:
        return [
            sa.bindparam(f"unnest_{name}", type_=postgresql.ARRAY(table.c[name].type))
            for name in columns
        ]

    return (
        sa.text(
            "INSERT INTO item_exposures (user_id, kind, item_id)"
            " SELECT * FROM unnest(:unnest_user_id, :unnest_kind, :unnest_item_id)"
            " ON CONFLICT (user_id, kind, item_id) DO NOTHING RETURNING kind, item_id"
        )
        .bindparams(*arrays(served, SERVED))
        .columns(served.c.kind, served.c.item_id),
        sa.text(
            "INSERT INTO exposure_counts (kind, item_id, trainees)"
            " SELECT * FROM unnest(:unnest_kind, :unnest_item_id, :unnest_trainees)"
            " ON CONFLICT (kind, item_id) DO UPDATE SET trainees = exposure_counts.trainees + 1"
            " RETURNING item_id"
        )
        .bindparams(*arrays(raised, RAISED))
        .columns(raised.c.item_id),
    )


def stats(session: Session, user_id: int, kind: ExposureKind, ids: Iterable[int]) -> Stats:
    """item id -> (seen by ``user_id``, distinct trainees served it), for the items ever
    served (an item never served is absent: unseen, 0). One statement."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    dialect = session.get_bind().dialect.name
    params = {"user_id": user_id, "kind": kind, "ids": wanted}
    rows = session.execute(_stats_query(dialect), params).all()
    return {item_id: (bool(me), int(n)) for item_id, me, n in rows}


@functools.cache
def _stats_query(dialect: str) -> sa.Select:
    """``stats``' query, built once per dialect (at every start its construction, with the
    aliased join, cost as much as running it; issue 19)."""
    mine = aliased(ItemExposure)
    return (
        sa.select(ExposureCount.item_id, mine.user_id.is_not(None), ExposureCount.trainees)
        .outerjoin(
            mine,
            sa.and_(
                mine.user_id == sa.bindparam("user_id"),
                mine.kind == ExposureCount.kind,
                mine.item_id == ExposureCount.item_id,
            ),
        )
        .where(
            ExposureCount.kind == sa.bindparam("kind"),
            one_of(dialect, ExposureCount.item_id, "ids"),
        )
    )


def counts(session: Session, kind: ExposureKind, ids: Iterable[int]) -> dict[int, int]:
    """item id -> distinct trainees ever served it; an item never served is absent (0)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        sa.select(ExposureCount.item_id, ExposureCount.trainees).where(
            ExposureCount.kind == kind, one_of(dialect, ExposureCount.item_id, "ids")
        ),
        {"ids": wanted},
    ).all()
    return {item_id: int(n) for item_id, n in rows}


def _served() -> dict[ExposureKind, sa.Select]:
    """(user id, item id) of every serving recorded in the attempt items, per kind."""
    base = sa.select(Attempt.user_id.label("user_id")).join(
        AttemptItem, AttemptItem.attempt_id == Attempt.id
    )
    return {
        ExposureKind.QUESTION: base.add_columns(bm.QuestionVersion.question_id.label("item_id"))
        .join(bm.QuestionVersion, bm.QuestionVersion.id == AttemptItem.question_version_id)
        .distinct(),
        ExposureKind.CASE: base.add_columns(bm.CaseVersion.case_id.label("item_id"))
        .join(bm.CaseVersion, bm.CaseVersion.id == AttemptItem.case_version_id)
        .distinct(),
    }


def rebuild(session: Session) -> None:
    """Recount every exposure from the attempt items (three statements per kind, in the
    database): the backfill of a copy whose attempts were written without a draw (``flask
    bench seed``), and the reference the tests hold the kept counts to."""
    session.execute(sa.delete(ExposureCount))
    session.execute(sa.delete(ItemExposure))
    for kind, served in _served().items():
        pairs = served.subquery()
        session.execute(
            sa.insert(ItemExposure).from_select(
                ["user_id", "kind", "item_id"],
                sa.select(pairs.c.user_id, sa.literal(kind.value), pairs.c.item_id),
            )
        )
        session.execute(
            sa.insert(ExposureCount).from_select(
                ["kind", "item_id", "trainees"],
                sa.select(sa.literal(kind.value), ItemExposure.item_id, sa.func.count())
                .where(ItemExposure.kind == kind)
                .group_by(ItemExposure.item_id),
            )
        )
