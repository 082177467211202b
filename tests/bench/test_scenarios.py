"""``bench/scenarios.py``'s driver: an operation's ``prepare`` runs before the clock, and an
operation with nothing left ends its thread's run, whose seconds are then those it ran (the
submit endpoint's open exams, ``SubmitPool``)."""

from __future__ import annotations

import threading

import pytest

from bench import scenarios
from bench.scenarios import SubmitPool, drive


class _Counted:
    """An operation with a ``prepare`` (that takes 100 s on the clock ``now``, as starting
    the submit's exams takes a while) and a stock of work it gives out until it runs dry."""

    def __init__(self, stock: int, now: list[float]) -> None:
        self.stock, self.now, self.prepared, self.lock = stock, now, 0, threading.Lock()

    def prepare(self) -> None:
        self.now[0] += 100.0
        self.prepared += 1

    def __call__(self, state: object) -> int | None:
        with self.lock:
            if self.stock == 0:
                return None
            self.stock -= 1
        return 200


def test_prepare_runs_before_the_clock_and_a_dry_op_ends_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]  # the driver's clock, which only the prepare moves: were a dry operation not
    # to end its thread, the run would never end (the test's timeout)
    monkeypatch.setattr(scenarios.time, "monotonic", lambda: now[0])
    op = _Counted(stock=50, now=now)
    sample = drive([object(), object()], op, seconds=30.0)
    assert op.prepared == 1
    assert len(sample.latencies) == 50 and sample.errors == 0
    assert sample.seconds == 0.0  # the prepare's 100 s are not the run's


def test_the_submit_pool_hands_each_open_exam_out_once() -> None:
    world = {"submitters": [{"email": f"s{i}@x", "token": f"t{i}"} for i in range(3)]}
    refills = iter([[{"email": f"s{i}@x", "attempt": 10 + i} for i in range(3)]])
    pool = SubmitPool(world, lambda: next(refills))
    sent: list[tuple[str, str]] = []

    class _Client:
        def request(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
            sent.append((path, headers["Authorization"]))
            return 200, b"{}"

    class _State:
        def client(self, role: str) -> _Client:
            assert role == "submit"
            return _Client()

    pool.prepare()
    assert [pool(_State()) for _ in range(4)] == [200, 200, 200, None]
    assert sent == [(f"/api/v1/attempts/{10 + i}/submit", f"Bearer t{i}") for i in range(3)]
