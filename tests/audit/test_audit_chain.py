"""The audit log a regulator can be shown (issue 12): every event carries the hash of the one
before, ``flask --app wsgi audit verify`` finds an edited, deleted or reordered event, and on
PostgreSQL the database itself refuses UPDATE and DELETE of audit rows."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.audit import services
from app.audit.chain import GENESIS, ChainedEvent, event_hash, verify_chain
from app.audit.models import AuditEvent
from tests.factories import make_user

# ---------------------------------------------------------------- pure chain


def _chain(n: int) -> list[ChainedEvent]:
    events, prev = [], GENESIS
    for i in range(1, n + 1):
        at = datetime(2026, 12, 1, 9, i, tzinfo=UTC)
        details = {"i": i, "name": "Zoë"}
        digest = event_hash(prev, at, 7, f"act.{i}", "user", str(i), details)
        events.append(ChainedEvent(i, at, 7, f"act.{i}", "user", str(i), details, prev, digest))
        prev = digest
    return events


def test_an_intact_chain_has_no_breaks():
    assert verify_chain(_chain(5)) == []
    assert verify_chain([]) == []


def test_an_edited_event_breaks_the_chain_at_that_event():
    events = _chain(5)
    events[2] = replace(events[2], details={"i": 3, "name": "Mallory"})
    breaks = verify_chain(events)
    assert [b.event_id for b in breaks] == [3]
    assert "content" in breaks[0].reason


def test_a_deleted_or_reordered_event_is_found():
    events = _chain(5)
    assert [b.event_id for b in verify_chain(events[:2] + events[3:])] == [4]
    swapped = [events[0], events[2], events[1], events[3], events[4]]
    assert {b.event_id for b in verify_chain(swapped)} >= {2, 3}


def test_rewriting_an_event_and_its_hash_still_breaks_the_next_link():
    events = _chain(3)
    forged = replace(events[1], action="act.forged")
    forged = replace(
        forged,
        hash=event_hash(forged.prev_hash, forged.at, 7, forged.action, "user", "2", forged.details),
    )
    breaks = verify_chain([events[0], forged, events[2]])
    assert [b.event_id for b in breaks] == [3]


# ---------------------------------------------------------------- in the database


def _record_some(db_session, n: int = 4) -> list[AuditEvent]:
    admin = make_user("admin")
    db_session.flush()
    return [
        services.record(db_session, admin, "test.event", "user", i, {"n": i, "at": "x"})
        for i in range(n)
    ]


def test_recorded_events_are_chained_in_order(db_session):
    events = _record_some(db_session)
    assert all(len(e.hash) == 64 and len(e.prev_hash) == 64 for e in events)
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    count, breaks = services.verify(db_session)
    assert count >= 4 and breaks == []


@contextlib.contextmanager
def _triggers_disabled(db_session):
    """On PostgreSQL the append-only trigger must be switched off to forge an edit at all."""
    postgres = db_session.get_bind().dialect.name == "postgresql"
    if postgres:
        db_session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    try:
        yield
    finally:
        if postgres:
            db_session.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


def test_audit_verify_detects_an_edited_event(db_session, runner):
    events = _record_some(db_session)
    db_session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with _triggers_disabled(db_session):
        db_session.execute(
            sa.update(AuditEvent)
            .where(AuditEvent.id == events[1].id)
            .values(details={"n": 99, "at": "x"})
        )
    db_session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {events[1].id}: its content does not match its hash" in result.output


def test_audit_verify_detects_a_deleted_event(db_session, runner):
    events = _record_some(db_session)
    with _triggers_disabled(db_session):
        db_session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    db_session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {events[2].id}: does not follow" in result.output


def test_postgresql_refuses_update_and_delete_of_audit_rows(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL; SQLite relies on the chain")
    events = _record_some(db_session, 1)
    db_session.commit()
    for statement in (
        sa.update(AuditEvent).where(AuditEvent.id == events[0].id).values(action="forged"),
        sa.delete(AuditEvent).where(AuditEvent.id == events[0].id),
    ):
        with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(statement)
    db_session.rollback()
    assert db_session.get(AuditEvent, events[0].id).action == "test.event"


def test_a_second_event_of_one_transaction_reuses_the_tail_it_appended(db_session, count_queries):
    """The chain's lock is held until the transaction ends, so the event it just appended is
    still the last: the second event of a request (a login and its token) neither locks nor
    reads the chain again. A savepoint rolled back in between makes it read again."""
    user = make_user("trainee")
    first = services.record(db_session, user, "test.first")
    with count_queries() as q:
        second = services.record(db_session, user, "test.second")
    assert second.prev_hash == first.hash
    assert [s for s in q.statements if "audit_events.hash" in s or "advisory" in s] == []
    nested = db_session.begin_nested()
    dropped = services.record(db_session, user, "test.dropped")
    assert dropped.prev_hash == second.hash
    nested.rollback()
    with count_queries() as q:
        third = services.record(db_session, user, "test.third")
    assert third.prev_hash == second.hash  # read again: the dropped event is gone
    assert any("audit_events.hash" in s for s in q.statements)
    db_session.commit()
    fourth = services.record(db_session, user, "test.fourth")  # a new transaction reads
    assert fourth.prev_hash == third.hash
    assert services.verify(db_session)[1] == []
