"""Each question type's ``chance_score`` hook (the guessing rate standard setting must beat),
checked against the average of the type's own ``score`` over every random response."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from app.banks.schema import (
    Hotspot,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    ScriptConcordance,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from app.questions import registry

COMMON = {"stem": "Stem", "references": ["Ref 2020. Title."]}


def quiz(question):
    return registry.get(question.type).quiz


def mean_score(question, responses) -> float:
    facet = quiz(question)
    scores = [facet.score(question, facet.validate(question, r)) for r in responses]
    return sum(scores) / len(scores)


def options(n: int, correct: set[int]) -> list[dict]:
    return [{"id": f"o{i}", "text": f"Option {i}", "correct": i in correct} for i in range(n)]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_single_choice_is_one_over_the_options(n):
    q = SingleChoice(key="s", type="single_choice", options=options(n, {1}), **COMMON)
    assert quiz(q).chance_score(q) == pytest.approx(1 / n)
    assert quiz(q).chance_score(q) == pytest.approx(
        mean_score(q, [{"choice": f"o{i}"} for i in range(n)])
    )


def test_true_false_is_a_half():
    q = TrueFalse(key="t", type="true_false", answer=False, **COMMON)
    assert quiz(q).chance_score(q) == 0.5
    assert mean_score(q, [{"value": True}, {"value": False}]) == 0.5


@pytest.mark.parametrize(("n", "correct"), [(4, {0}), (4, {0, 1}), (5, {0, 2, 4}), (3, {0, 1, 2})])
def test_multiple_response_averages_every_non_empty_subset(n, correct):
    q = MultipleResponse(key="m", type="multiple_response", options=options(n, correct), **COMMON)
    subsets = [
        {"choices": [f"o{i}" for i in chosen]}
        for size in range(1, n + 1)
        for chosen in itertools.combinations(range(n), size)
    ]
    assert quiz(q).chance_score(q) == pytest.approx(mean_score(q, subsets))
    assert 0 < quiz(q).chance_score(q) < 1


def test_multiple_response_with_one_key_among_four_is_exact():
    # 15 non-empty subsets; credit = max(0, right - wrong): {o0} → 1, nothing else above 0.
    q = MultipleResponse(key="m", type="multiple_response", options=options(4, {0}), **COMMON)
    assert quiz(q).chance_score(q) == pytest.approx(float(Fraction(1, 15)))


def test_matching_is_one_over_the_answers_including_distractors():
    q = Matching(
        key="m",
        type="matching",
        pairs=[{"premise": "P1", "answer": "A"}, {"premise": "P2", "answer": "B"}],
        distractors=["C"],
        **COMMON,
    )
    answers = [cid for cid, _ in q.answer_choices()]
    responses = [
        {"pairs": dict(zip(q.premise_ids(), combo, strict=True))}
        for combo in itertools.product(answers, repeat=2)
    ]
    assert quiz(q).chance_score(q) == pytest.approx(1 / 3)
    assert quiz(q).chance_score(q) == pytest.approx(mean_score(q, responses))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_ordering_is_one_over_the_items(n):
    q = Ordering(key="o", type="ordering", items=[f"item {i}" for i in range(n)], **COMMON)
    responses = [{"order": list(p)} for p in itertools.permutations(q.item_ids())]
    assert quiz(q).chance_score(q) == pytest.approx(1 / n)
    assert quiz(q).chance_score(q) == pytest.approx(mean_score(q, responses))


def test_hotspot_is_the_share_of_correct_regions():
    square = [(0.0, 0.0), (0.2, 0.0), (0.2, 0.2), (0.0, 0.2)]
    far = [(0.6, 0.6), (0.8, 0.6), (0.8, 0.8), (0.6, 0.8)]
    q = Hotspot(
        key="h",
        type="hotspot",
        image="img.png",
        image_alt="An image",
        regions=[
            {"id": "a", "label": "A", "points": square, "correct": True},
            {"id": "b", "label": "B", "points": far},
            {"id": "c", "label": "C", "points": [(0.3, 0.3), (0.5, 0.3), (0.5, 0.5)]},
        ],
        **COMMON,
    )
    assert quiz(q).chance_score(q) == pytest.approx(1 / 3)


def test_script_concordance_is_the_mean_credit_of_the_five_answers():
    q = ScriptConcordance(
        key="sc",
        type="script_concordance",
        hypothesis="H",
        new_information="N",
        panel=[0, 1, 6, 3, 0],
        **COMMON,
    )
    expected = (0 + 1 / 6 + 1 + 3 / 6 + 0) / 5
    assert quiz(q).chance_score(q) == pytest.approx(expected)
    assert quiz(q).chance_score(q) == pytest.approx(
        mean_score(q, [{"value": v} for v in range(-2, 3)])
    )


def test_open_answers_default_to_zero():
    numeric = Numeric(key="n", type="numeric", answer=12.5, tolerance=0.5, **COMMON)
    short = ShortAnswer(key="sa", type="short_answer", answers=["trigger point*"], **COMMON)
    assert quiz(numeric).chance_score(numeric) == 0.0
    assert quiz(short).chance_score(short) == 0.0


def test_types_without_their_own_hook_are_the_open_answer_ones():
    defaults = {s.id for s in registry.all_types() if s.quiz.chance_score.__name__ == "no_chance"}
    assert defaults <= {"numeric", "short_answer", "throwaway"}
