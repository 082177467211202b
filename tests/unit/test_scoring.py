"""Scoring rules per type, and properties: a score is within [0, max]; a key scores max."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.banks.schema import (
    Hotspot,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    QuestionBase,
    ScriptConcordance,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from app.quiz.scoring import (
    RULES,
    ResponseInvalid,
    key_response,
    pattern_matches,
    point_in_polygon,
    score,
    sct_credits,
    validate_response,
)

COMMON = {"stem": "Stem", "references": ["Ref 2020. Title."]}


def mr(correct: list[bool]) -> MultipleResponse:
    options = [{"id": f"o{i}", "text": f"Option {i}", "correct": c} for i, c in enumerate(correct)]
    return MultipleResponse(key="mr", type="multiple_response", options=options, **COMMON)


def test_multiple_response_is_right_minus_wrong_floored_at_zero() -> None:
    q = mr([True, True, False, False])
    assert score(q, {"choices": ["o0", "o1"]}).score == 1.0
    assert score(q, {"choices": ["o0"]}).score == 0.5
    assert score(q, {"choices": ["o0", "o2"]}).score == 0.0
    assert score(q, {"choices": ["o2", "o3"]}).score == 0.0
    assert score(q, {"choices": ["o0", "o1", "o2"]}).score == 0.5
    assert score(q, {"choices": []}).score == 0.0


def test_matching_and_ordering_give_partial_credit_by_pair_and_position() -> None:
    m = Matching(
        key="m",
        type="matching",
        distractors=["D"],
        **COMMON,
        pairs=[
            {"premise": "P1", "answer": "A"},
            {"premise": "P2", "answer": "B"},
            {"premise": "P3", "answer": "A"},
            {"premise": "P4", "answer": "C"},
        ],
    )
    assert m.key_map() == {"p1": "m1", "p2": "m2", "p3": "m1", "p4": "m3"}
    assert score(m, {"pairs": {"p1": "m1", "p2": "m2", "p3": "m4"}}).score == 0.5
    o = Ordering(key="o", type="ordering", items=["a", "b", "c", "d"], **COMMON)
    assert score(o, {"order": ["i1", "i2", "i4", "i3"]}).score == 0.5
    assert score(o, {"order": ["i2", "i3", "i4", "i1"]}).score == 0.0


def test_numeric_tolerance_is_inclusive() -> None:
    q = Numeric(key="n", type="numeric", answer=20, tolerance=2, unit="mm", **COMMON)
    assert score(q, {"value": 22.0}).score == 1.0
    assert score(q, {"value": 17.99}).score == 0.0


def test_short_answer_patterns_and_case() -> None:
    q = ShortAnswer(key="s", type="short_answer", answers=["local twitch*", "LTR"], **COMMON)
    assert score(q, {"text": "  Local   Twitch response "}).score == 1.0
    assert score(q, {"text": "ltr"}).score == 1.0
    assert score(q, {"text": "twitch"}).score == 0.0
    assert not pattern_matches("LTR", "ltr", case_sensitive=True)
    assert pattern_matches("a.b", "a.b") and not pattern_matches("a.b", "axb")


def test_hotspot_point_in_polygon() -> None:
    square = [(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]
    assert point_in_polygon(0.3, 0.3, square)
    assert point_in_polygon(0.2, 0.3, square)  # on an edge
    assert not point_in_polygon(0.5, 0.3, square)
    concave = [(0, 0), (1, 0), (1, 1), (0.5, 0.2), (0, 1)]
    assert not point_in_polygon(0.5, 0.6, concave)
    assert point_in_polygon(0.9, 0.5, concave)


def test_script_concordance_aggregate_example_from_psychometrics() -> None:
    """PSYCHOMETRICS.md §5: S1, S2, S3 give 0.5 + 1.0 + 0.25 = 1.75 of 3."""
    items = [([0, 0, 1, 6, 3], 2), ([2, 5, 3, 0, 0], -1), ([0, 1, 4, 4, 1], 2)]
    total = 0.0
    for panel, answer in items:
        q = ScriptConcordance(
            key="sct",
            type="script_concordance",
            hypothesis="h",
            new_information="n",
            panel=panel,
            **COMMON,
        )
        total += score(q, {"value": answer}).score
    assert total == pytest.approx(1.75)
    assert sct_credits([0, 1, 4, 4, 1]) == [0, 0.25, 1, 1, 0.25]  # tied modes both earn 1


@pytest.mark.parametrize(
    ("question", "response", "field"),
    [
        (mr([True, False]), {"choices": "o0"}, "response.choices"),
        (mr([True, False]), {"choices": ["zz"]}, "response.choices"),
        (mr([True, False]), {"choice": "o0"}, "response.choices"),
        (mr([True, False]), {"choices": ["o0"], "score": 1}, "response.score"),
        (
            TrueFalse(key="t", type="true_false", answer=True, **COMMON),
            {"value": 1},
            "response.value",
        ),
        (Numeric(key="n", type="numeric", answer=1, **COMMON), {"value": "nan"}, "response.value"),
        (
            Numeric(key="n", type="numeric", answer=1, **COMMON),
            {"value": float("inf")},
            "response.value",
        ),
        (
            Ordering(key="o", type="ordering", items=["a", "b"], **COMMON),
            {"order": ["i1"]},
            "response.order",
        ),
        (
            ScriptConcordance(
                key="s",
                type="script_concordance",
                hypothesis="h",
                new_information="n",
                panel=[1, 1, 1, 1, 1],
                **COMMON,
            ),
            {"value": 3},
            "response.value",
        ),
    ],
)
def test_malformed_responses_name_the_field(question, response, field) -> None:
    with pytest.raises(ResponseInvalid) as exc:
        validate_response(question, response)
    assert exc.value.field == field


# ---------------------------------------------------------------- properties

texts = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def choice_questions(draw, multiple: bool) -> QuestionBase:
    n = draw(st.integers(2, 6))
    flags = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if multiple:
        if not any(flags):
            flags[0] = True
    else:
        k = draw(st.integers(0, n - 1))
        flags = [i == k for i in range(n)]
    options = [{"id": f"o{i}", "text": f"t{i}", "correct": f} for i, f in enumerate(flags)]
    cls = MultipleResponse if multiple else SingleChoice
    return cls(
        key="q", type=cls.model_fields["type"].annotation.__args__[0], options=options, **COMMON
    )


polygons = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=3, max_size=8)


@st.composite
def any_question(draw) -> QuestionBase:
    kind = draw(st.sampled_from(sorted(RULES)))
    if kind in ("single_choice", "multiple_response"):
        return draw(choice_questions(kind == "multiple_response"))
    if kind == "true_false":
        return TrueFalse(key="q", type=kind, answer=draw(st.booleans()), **COMMON)
    if kind == "matching":
        premises = draw(st.lists(texts, min_size=2, max_size=5, unique=True))
        answers = [draw(st.sampled_from(["A", "B", "C"])) for _ in premises]
        return Matching(
            key="q",
            type=kind,
            distractors=["Z"],
            **COMMON,
            pairs=[{"premise": p, "answer": a} for p, a in zip(premises, answers, strict=True)],
        )
    if kind == "ordering":
        items = draw(st.lists(texts, min_size=2, max_size=6, unique=True))
        return Ordering(key="q", type=kind, items=items, **COMMON)
    if kind == "numeric":
        return Numeric(
            key="q",
            type=kind,
            answer=draw(st.floats(-1e6, 1e6)),
            tolerance=draw(st.floats(0, 100)),
            **COMMON,
        )
    if kind == "hotspot":
        regions = [
            {"id": f"r{i}", "label": f"R{i}", "points": draw(polygons), "correct": i == 0}
            for i in range(draw(st.integers(1, 3)))
        ]
        return Hotspot(
            key="q", type=kind, image="i.svg", image_alt="alt", regions=regions, **COMMON
        )
    if kind == "short_answer":
        return ShortAnswer(key="q", type=kind, answers=draw(st.lists(texts, min_size=1)), **COMMON)
    panel = draw(st.lists(st.integers(0, 15), min_size=5, max_size=5).filter(any))
    return ScriptConcordance(
        key="q", type=kind, hypothesis="h", new_information="n", panel=panel, **COMMON
    )


@st.composite
def question_and_response(draw):
    q = draw(any_question())
    kind = q.type.value
    if kind == "single_choice":
        r = {"choice": draw(st.sampled_from([o.id for o in q.options]))}
    elif kind == "multiple_response":
        r = {"choices": draw(st.lists(st.sampled_from([o.id for o in q.options]), unique=True))}
    elif kind == "true_false":
        r = {"value": draw(st.booleans())}
    elif kind == "matching":
        answers = [cid for cid, _ in q.answer_choices()]
        r = {
            "pairs": {
                p: draw(st.sampled_from(answers)) for p in q.premise_ids() if draw(st.booleans())
            }
        }
    elif kind == "ordering":
        r = {"order": draw(st.permutations(q.item_ids()))}
    elif kind == "numeric":
        r = {"value": draw(st.floats(-1e7, 1e7))}
    elif kind == "hotspot":
        r = {"point": {"x": draw(st.floats(0, 1)), "y": draw(st.floats(0, 1))}}
    elif kind == "short_answer":
        r = {"text": draw(st.text(max_size=30))}
    else:
        r = {"value": draw(st.integers(-2, 2))}
    return q, r


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(question_and_response())
def test_a_score_is_always_within_zero_and_max(pair) -> None:
    question, response = pair
    result = score(question, validate_response(question, response))
    assert 0.0 <= result.score <= result.max_score


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(any_question())
def test_the_key_always_scores_max(question) -> None:
    key = validate_response(question, key_response(question))
    assert score(question, key).is_correct


def test_scoring_module_is_pure() -> None:
    """scoring.py imports neither Flask nor SQLAlchemy (STYLE.md: pure logic)."""
    import ast
    from pathlib import Path

    import app.quiz.scoring as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[0] in {"flask", "sqlalchemy"}}
