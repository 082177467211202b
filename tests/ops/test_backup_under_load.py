"""Backups taken while trainees save answers hold every acknowledged save, and restore into a
database where no attempt is in an impossible state (SQLite and PostgreSQL).

Three trainees, each in a thread with a browser session of its own, save answers through the
JSON API (and submit every few saves) on a committed database. The backup starts after some
saves were acknowledged and the load goes on until more were acknowledged after it ended. One
ledger orders the acknowledgements and the backup's start: a save acknowledged before the
start must be in the copy (its seq, or a later one with the value sent for that seq).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.ops import integrity
from app.ops.backup import create_backup, restore_backup
from app.quiz.models import Attempt, AttemptItem, AttemptStatus
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.ops.databases import fresh_database, require_client_tools
from tests.quiz.bank import build_bank

pytestmark = pytest.mark.committed_db

TRAINEES = 3
SAVES_PER_ATTEMPT = 4
BEFORE = 18  # acknowledged saves before the backup starts
AFTER = 9  # ... and after it has ended
MODULE = "types-exam"


@dataclass
class Ledger:
    """Acknowledgements and the backup's start, in the order they happened."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    sent: dict[tuple[int, int], float] = field(default_factory=dict)  # (item, seq) → value
    errors: list[str] = field(default_factory=list)

    def add(self, *event: Any) -> None:
        with self.lock:
            self.events.append(event)

    def count(self, kind: str, after: str | None = None) -> int:
        with self.lock:
            events = self.events
            if after is not None:
                events = events[events.index((after,)) + 1 :] if (after,) in events else []
            return sum(1 for e in events if e[0] == kind)

    def before(self, marker: str) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.events[: self.events.index((marker,))]


class Trainee:
    """One browser: a session cookie and CSRF token on a test client of its own."""

    def __init__(self, app, session: Session, number: int) -> None:
        user = factories.make_user("trainee", session=session)
        session.commit()
        self.client = app.test_client()
        assert login(self.client, user.email).status_code == 302
        self.headers = {"X-CSRFToken": csrf_token_from(self.client.get("/profile").text)}
        self.values = itertools.count(number * 1_000_000 + 1)

    def work(self, ledger: Ledger, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.one_attempt(ledger)
        except BaseException:  # reported by the test, which then fails
            ledger.errors.append(traceback.format_exc())
            stop.set()

    def one_attempt(self, ledger: Ledger) -> None:
        started = self.client.post(f"/api/v1/modules/{MODULE}/attempts", headers=self.headers)
        assert started.status_code in (200, 201), started.json
        attempt = started.json
        item = next(i for i in attempt["items"] if i["type"] == "numeric")
        url = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}"
        seq = item["seq"]
        for _ in range(SAVES_PER_ATTEMPT):
            value = float(next(self.values))
            with ledger.lock:
                ledger.sent[(item["id"], seq + 1)] = value
            saved = self.client.put(
                url, json={"response": {"value": value}, "seq": seq}, headers=self.headers
            )
            assert saved.status_code == 200, saved.json
            seq = saved.json["seq"]
            ledger.add("save", item["id"], seq)
        submit = f"/api/v1/attempts/{attempt['id']}/submit"
        submitted = self.client.post(submit, headers=self.headers)
        assert submitted.status_code == 200, submitted.json
        ledger.add("submit", attempt["id"])


def _wait_for(ledger: Ledger, kind: str, count: int, after: str | None = None) -> None:
    while ledger.count(kind, after) < count:
        assert not ledger.errors, ledger.errors[0]
        time.sleep(0.02)


def _run_load_around(app, db_session, backup_path) -> Ledger:
    trainees = [Trainee(app, db_session, n) for n in range(TRAINEES)]
    ledger, stop = Ledger(), threading.Event()
    threads = [threading.Thread(target=t.work, args=(ledger, stop)) for t in trainees]
    for thread in threads:
        thread.start()
    try:
        _wait_for(ledger, "save", BEFORE)
        ledger.add("backup-start")
        with app.app_context():
            create_backup(
                db.engine.url.render_as_string(hide_password=False), backup_path, environ=os.environ
            )
        ledger.add("backup-end")
        _wait_for(ledger, "save", AFTER, after="backup-end")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not ledger.errors, ledger.errors[0]
    return ledger


def test_backup_under_load_holds_every_acknowledged_save(app, db_session, tmp_path):
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    require_client_tools(url)
    build_bank(db_session, tmp_path / "bank")
    db_session.commit()
    backup = tmp_path / "backup.bin"

    ledger = _run_load_around(app, db_session, backup)
    assert ledger.count("save", after="backup-end") >= AFTER  # the load went on around it

    acked = ledger.before("backup-start")
    last_seq: dict[int, int] = defaultdict(int)
    for _, item_id, seq in (e for e in acked if e[0] == "save"):
        last_seq[item_id] = max(last_seq[item_id], seq)
    submitted = {e[1] for e in acked if e[0] == "submit"}
    assert len(last_seq) >= 2 and submitted  # several attempts, some submitted, before it

    with fresh_database(url, tmp_path) as restored_url:
        restore_backup(backup, restored_url, environ=os.environ)
        engine = sa.create_engine(restored_url)
        try:
            with Session(engine) as restored:
                assert integrity.check(restored) == []
                _assert_saves_present(restored, last_seq, ledger.sent)
                statuses = dict(
                    restored.execute(
                        sa.select(Attempt.id, Attempt.status).where(Attempt.id.in_(submitted))
                    ).all()
                )
                assert statuses == dict.fromkeys(submitted, AttemptStatus.SUBMITTED)
        finally:
            engine.dispose()
    db_session.expire_all()
    assert integrity.check(db_session) == []  # and the live database too


def _assert_saves_present(
    restored: Session, last_seq: dict[int, int], sent: dict[tuple[int, int], float]
) -> None:
    rows = restored.execute(
        sa.select(AttemptItem.id, AttemptItem.seq, AttemptItem.response).where(
            AttemptItem.id.in_(last_seq)
        )
    ).all()
    found = {item_id: (seq, response) for item_id, seq, response in rows}
    assert found.keys() == last_seq.keys(), "items with acknowledged saves are missing"
    for item_id, acknowledged in last_seq.items():
        seq, response = found[item_id]
        assert seq >= acknowledged, f"item {item_id}: seq {seq} < acknowledged {acknowledged}"
        assert response == {"value": sent[(item_id, seq)]}, f"item {item_id} at seq {seq}"
