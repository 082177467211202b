"""The reviewers' evidence flags and the re-authentication window, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.admin import evidence
from app.admin.evidence import AttemptFacts, Thresholds
from app.auth.reauth import is_recent

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def facts(
    attempt_id: int = 1,
    *,
    user_id: int = 1,
    module_id: int = 10,
    start: datetime = T0,
    seconds: float = 600,
    questions: int = 10,
    responses: dict | None = None,
) -> AttemptFacts:
    return AttemptFacts(
        attempt_id=attempt_id,
        user_id=user_id,
        module_id=module_id,
        module_title=f"Module {module_id}",
        attempt_no=attempt_id,
        started_at=start,
        submitted_at=start + timedelta(seconds=seconds),
        questions=questions,
        percent=100.0,
        responses=responses or {},
    )


def test_speed_flag_below_the_threshold_only():
    fast = facts(1, seconds=60, questions=8)  # 7.5 s per question
    exact = facts(2, seconds=80, questions=8)  # 10 s: not under
    slow = facts(3, seconds=600, questions=8)
    flags = evidence.speed_flags([fast, exact, slow], 10)
    assert [f.attempt_ids for f in flags] == [(1,)]
    assert flags[0].kind == evidence.SPEED and "7.5 s per question" in flags[0].message
    assert evidence.speed_flags([fast], 5) == []  # the threshold is a parameter


def test_speed_ignores_attempts_without_questions_or_submission():
    empty = facts(1, seconds=1, questions=0)
    open_ = AttemptFacts(2, 1, 10, "M", 1, T0, None, 5, None)
    assert evidence.speed_flags([empty, open_], 10) == []


ANSWERS = {q: {"choice": f"opt-{q % 3}"} for q in range(1, 7)}


def test_identical_patterns_need_all_shared_items_alike_and_enough_of_them():
    assert evidence.same_pattern(ANSWERS, dict(ANSWERS), 5)
    one_differs = {**ANSWERS, 3: {"choice": "other"}}
    assert not evidence.same_pattern(ANSWERS, one_differs, 5)
    too_few = {q: ANSWERS[q] for q in (1, 2, 3, 4)}
    assert not evidence.same_pattern(ANSWERS, too_few, 5)
    assert evidence.same_pattern(ANSWERS, too_few, 4)
    unanswered = dict.fromkeys(ANSWERS)
    assert not evidence.same_pattern(unanswered, unanswered, 1)


def test_identical_flags_compare_other_trainees_on_the_same_module():
    mine = facts(1, user_id=1, module_id=10, responses=ANSWERS)
    copy = facts(2, user_id=2, module_id=10, responses=dict(ANSWERS))
    other_module = facts(3, user_id=3, module_id=11, responses=dict(ANSWERS))
    own_retake = facts(4, user_id=1, module_id=10, responses=dict(ANSWERS))
    (flag,) = evidence.identical_flags([mine], [copy, other_module, own_retake], 5)
    assert flag.kind == evidence.IDENTICAL and flag.attempt_ids == (1, 2)
    different = facts(5, user_id=2, module_id=10, responses={**ANSWERS, 1: {"choice": "x"}})
    assert evidence.identical_flags([mine], [different], 5) == []


def test_burst_flag_counts_attempts_of_one_module_within_the_window():
    three_in_an_hour = [facts(i, start=T0 + timedelta(minutes=25 * i)) for i in range(3)]
    (flag,) = evidence.burst_flags(three_in_an_hour, 3, 60)
    assert flag.kind == evidence.BURST and flag.attempt_ids == (0, 1, 2)
    spread = [facts(i, start=T0 + timedelta(minutes=31 * i)) for i in range(3)]  # 62 min
    assert evidence.burst_flags(spread, 3, 60) == []
    two_modules = [facts(1, module_id=10), facts(2, module_id=11), facts(3, module_id=10)]
    assert evidence.burst_flags(two_modules, 3, 60) == []


def test_question_times_and_their_distribution():
    saves = [T0 + timedelta(seconds=s) for s in (30, 10, 70, 100)]  # out of order on purpose
    assert evidence.question_times(T0, saves) == [10.0, 20.0, 40.0, 30.0]
    d = evidence.distribution([10.0, 20.0, 40.0, 30.0])
    assert (d.count, d.minimum, d.median, d.maximum) == (4, 10.0, 25.0, 40.0)
    assert d.q1 == pytest.approx(17.5) and d.q3 == pytest.approx(32.5)
    assert evidence.distribution([]).median is None
    assert evidence.distribution([7.0]).q1 == 7.0


def test_all_flags_uses_the_thresholds():
    fast = facts(1, seconds=30, questions=10)
    assert [f.kind for f in evidence.all_flags([fast], [], Thresholds())] == [evidence.SPEED]
    assert evidence.all_flags([fast], [], Thresholds(min_seconds_per_question=2)) == []


def test_reauth_window():
    window = timedelta(minutes=10)
    now = T0 + timedelta(minutes=10)
    assert is_recent(T0.isoformat(), now, window)
    assert not is_recent(T0.isoformat(), now + timedelta(seconds=1), window)
    assert not is_recent(None, now, window)
    assert not is_recent("not a date", now, window)
    assert not is_recent((now + timedelta(minutes=1)).isoformat(), now, window)  # future
    assert not is_recent("2026-03-01T09:00:00", now, window)  # naive: refused


def test_identical_flags_find_exactly_the_pairs_a_full_comparison_finds():
    """The answer index (issue 19) only skips pairs that cannot match: compared with every
    pair checked by ``same_pattern``, on random cohorts, the flags are the same."""
    import random

    rng = random.Random(19)
    for _ in range(30):
        attempts = []
        for n in range(rng.randint(2, 25)):
            drawn = rng.sample(range(12), rng.randint(0, 8))
            answers = {q: (None if rng.random() < 0.1 else {"c": rng.randint(0, 1)}) for q in drawn}
            attempts.append(
                facts(
                    n + 1,
                    user_id=rng.randint(1, 6),
                    module_id=rng.choice([10, 11]),
                    responses=answers,
                )
            )
        min_items = rng.randint(0, 4)
        found = evidence.identical_flags(attempts, attempts, min_items)
        expected = []
        for a in attempts:
            matches = [
                p.attempt_id
                for p in attempts
                if p.module_id == a.module_id
                and p.user_id != a.user_id
                and evidence.same_pattern(a.responses, p.responses, min_items)
            ]
            if matches:
                expected.append((a.attempt_id, *matches))
        assert [f.attempt_ids for f in found] == expected
