"""The regrade plan's pure rules: what applying does to a completion, passed modules, digest."""

from __future__ import annotations

import pytest

from app.quiz.scoring import attempt_result
from app.regrade import plan as p


@pytest.mark.parametrize(
    ("exists", "flagged", "before", "after", "action"),
    [
        (True, False, True, False, p.FLAG),  # earned, now not: flagged, never revoked
        (True, True, True, False, p.NONE),  # already flagged: nothing new
        (True, True, False, True, p.UNFLAG),  # earned again after a flag
        (True, False, False, True, p.NONE),  # earned again, never flagged
        (False, False, False, True, p.RECORD),  # now passing: a completion as usual
        (False, False, True, False, p.NONE),  # no completion (e.g. rejected): nothing to flag
    ],
)
def test_completion_action(exists, flagged, before, after, action):
    got = p.completion_action(
        exists=exists, flagged=flagged, eligible_before=before, eligible_after=after
    )
    assert got == action


def test_passed_modules_with_overrides():
    rows = [(1, "a", True), (2, "b", False), (3, "b", None), (4, "c", True)]
    assert p.passed_modules(rows) == {"a", "c"}
    assert p.passed_modules(rows, {1: False, 3: True}) == {"b", "c"}


def _plan(score_after: float) -> p.Plan:
    change = p.AttemptChange(
        1, 7, "t@example.org", "exam", 1, 2.0, score_after, 100.0, 50.0, True, False,
        (p.ItemChange(10, 1, 1.0, 0.0),),
    )  # fmt: skip
    return p.Plan("q1", 2, checked=3, open_attempts=0, attempts=(change,))


def test_the_digest_follows_the_changes_not_the_counts():
    assert _plan(1.0).digest() == _plan(1.0).digest()
    assert _plan(1.0).digest() != _plan(0.5).digest()
    counted = p.Plan("q1", 2, checked=99, open_attempts=4, attempts=_plan(1.0).attempts)
    assert counted.digest() == _plan(1.0).digest()
    assert not _plan(1.0).empty and p.Plan("q1", 2, 0, 0).empty


def test_attempt_result_matches_grading():
    assert attempt_result(2.0, 2.0, 75.0) == (2.0, 100.0, True)
    assert attempt_result(1.0, 2.0, 75.0) == (1.0, 50.0, False)
    assert attempt_result(5.0, 2.0, 75.0) == (2.0, 100.0, True)  # capped at the maximum
    assert attempt_result(0.0, 0.0, 0.0) == (0.0, 0.0, True)


def test_the_flag_names_question_version_and_modules():
    text = p.flag_text("q1", 3, "2026-12-03", ["exam-1"])
    assert "q1" in text and "version 3" in text and "exam-1" in text and "not revoked" in text
