"""app/quiz/results.py and app/banks/labels.py: the result page's pure presenter logic."""

from __future__ import annotations

import pytest

from app.banks.labels import humanise, objective_label, objective_texts_of, topic_label
from app.quiz import results


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5.16667, 5.2), (2.25, 2.3), (2.24, 2.2), (20, 20.0), (None, 0.0), (0.05, 0.1)],
)
def test_scores_round_half_up_to_one_decimal(value, expected):
    assert results.round_score(value) == expected


@pytest.mark.parametrize(
    ("percent", "pass_mark", "passed", "shown"),
    [
        (25.8333, 70, False, 26),
        (69.6, 70, False, 69),  # would read 70 %: a pass
        (70.0, 70, True, 70),
        (84.5, 70, True, 85),
        (69.99, 70, True, 70),  # a pass is never shown below the mark
        (70.4, 70.5, False, 70),
        (70.6, 70.5, True, 71),
        (0.4, 0, True, 0),
    ],
)
def test_percent_is_whole_and_never_rounds_across_the_pass_mark(percent, pass_mark, passed, shown):
    assert results.display_percent(percent, pass_mark, passed) == shown


def test_score_summary():
    s = results.score_summary(5.16667, 20.0, 25.83335, 70.0, False)
    assert (s.score, s.max_score, s.percent, s.pass_mark, s.passed) == (5.2, 20.0, 26, 70.0, False)


def test_item_states_and_grid():
    cells = results.grid(
        [
            (1, 1.0, 1.0, False, True, "Anatomy"),
            (2, 0.5, 1.0, True, True, "Anatomy"),
            (3, None, 1.0, True, False, "Safety"),
            (4, 0.0, 2.0, False, True, "Safety"),
        ]
    )
    assert [c.state for c in cells] == ["correct", "partial", "incorrect", "incorrect"]
    assert [c.position for c in cells if c.flagged] == [2, 3]
    assert not cells[2].answered and cells[3].topic == "Safety"
    assert results.item_state(0.0, 0.0) == "incorrect"  # nothing to earn is not "correct"


def test_filters():
    cells = results.grid(
        [
            (1, 1.0, 1.0, True, True, ""),
            (2, 0.5, 1.0, False, True, ""),
            (3, 0.0, 1.0, True, True, ""),
        ]
    )
    assert results.parse_filter(None) == "all" and results.parse_filter("") == "all"
    assert results.parse_filter("incorrect") == "incorrect"
    for bad in ("wrong", "ALL", "flagged "):
        with pytest.raises(results.FilterInvalid):
            results.parse_filter(bad)
    assert [c.position for c in cells if results.matches(c, "incorrect")] == [2, 3]
    assert [c.position for c in cells if results.matches(c, "flagged")] == [1, 3]
    assert results.filter_counts(cells) == {"all": 3, "incorrect": 2, "flagged": 2}


def test_breakdown_by_topic_and_objective_against_the_pass_mark():
    rows = [
        ("safety", "Safety and infection control", "saf-pneumothorax", 1.0, 1.0),
        ("safety", "Safety and infection control", "saf-pneumothorax", 0.0, 1.0),
        ("safety", "Safety and infection control", None, 1.0, 1.0),
        ("anatomy", "Anatomy relevant to safe needling", "anat-thorax", 2.0, 2.0),
    ]
    texts = {"anat-thorax": "Relate needle depth to the pleura."}
    b = results.breakdown(rows, texts, 70.0)
    assert [r.label for r in b.by_topic] == [
        "Anatomy relevant to safe needling",
        "Safety and infection control",
    ]
    safety = b.by_topic[1]
    assert (safety.score, safety.max_score, safety.questions, safety.percent) == (2.0, 3.0, 3, 67)
    assert not b.meets(safety) and b.meets(b.by_topic[0])
    # Readable labels: the declared text, else derived from the slug (never the bare slug).
    assert [r.label for r in b.by_objective] == [
        "Relate needle depth to the pleura.",
        "Saf pneumothorax",
    ]
    assert b.by_objective[1].percent == 50 and b.by_objective[1].ratio == 0.5


def test_breakdown_meets_uses_the_exact_share_not_the_rounded_percent():
    b = results.breakdown([("t", "T", None, 69.6, 100.0)], {}, 70.0)
    assert b.by_topic[0].percent == 70 and not b.meets(b.by_topic[0])


def test_labels():
    assert humanise("saf-pneumothorax") == "Saf pneumothorax"
    assert humanise("trigger_points") == "Trigger points"
    assert objective_label("x-y", {"x-y": "Explain X."}) == "Explain X."
    assert objective_label("x-y", {"x-y": "  "}) == "X y"
    assert objective_label("x-y") == "X y"
    assert topic_label("safety", {"safety": "Safety"}) == "Safety"
    assert topic_label("trigger-points", {}) == "Trigger points"
    texts = objective_texts_of(
        [[{"id": "a", "text": "First"}], None, [{"id": "a", "text": "Later"}, {"id": "b"}]]
    )
    assert texts == {"a": "First"}
