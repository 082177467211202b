"""Scoring: one scorer per question type, over canonical ids (never the attempt's opaque ids).

Pure: no Flask, no SQLAlchemy. Each question is worth ``MAX_SCORE`` (1.0).

The rules (also in docs/scoring.md):

- single_choice, true_false, numeric (|value - answer| <= tolerance), short_answer (any
  pattern matches; ``*`` is a wildcard; case-insensitive unless the question says otherwise;
  spaces normalised): all or nothing.
- multiple_response: right minus wrong, floored at 0: (correct options chosen - incorrect
  options chosen) / number of correct options.
- matching: the share of premises matched to their answer.
- ordering: the share of items placed in their correct position.
- hotspot: 1 when the point lies inside any correct region (ray casting; on an edge counts).
- script_concordance: aggregate method: panellists who chose the answer / panellists who chose
  the modal answer (PSYCHOMETRICS.md §5).

An unanswered question (``None``) scores 0. ``validate_response`` refuses malformed responses
with ``ResponseInvalid(field, message)`` before anything is stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.banks.schema import (
    Hotspot,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    QuestionBase,
    QuestionType,
    ScriptConcordance,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)

MAX_SCORE = 1.0
NUMERIC_EPSILON = 1e-9
MAX_TEXT_LENGTH = 1000


class ResponseInvalid(ValueError):
    """A response that does not have the shape its question type needs."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Score:
    score: float
    max_score: float = MAX_SCORE

    @property
    def is_correct(self) -> bool:
        return math.isclose(self.score, self.max_score)


@dataclass(frozen=True)
class TypeRules:
    """How one question type's responses are checked, scored and keyed."""

    validate: Callable[[Any, dict[str, Any]], dict[str, Any]]
    score: Callable[[Any, dict[str, Any]], float]
    key: Callable[[Any], dict[str, Any]]


# ---------------------------------------------------------------- shape checks


def _require(response: Any, field: str) -> Any:
    if not isinstance(response, dict):
        raise ResponseInvalid("response", "must be an object")
    if field not in response:
        raise ResponseInvalid(f"response.{field}", "required")
    extra = set(response) - {field}
    if extra:
        raise ResponseInvalid(f"response.{sorted(extra)[0]}", "unknown field")
    return response[field]


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ResponseInvalid(field, "must be a finite number")
    return float(value)


def _option_ids(q: SingleChoice | MultipleResponse) -> set[str]:
    return {o.id for o in q.options}


def _v_choice(q: SingleChoice, r: dict[str, Any]) -> dict[str, Any]:
    choice = _require(r, "choice")
    if not isinstance(choice, str) or choice not in _option_ids(q):
        raise ResponseInvalid("response.choice", "not an option of this question")
    return {"choice": choice}


def _v_choices(q: MultipleResponse, r: dict[str, Any]) -> dict[str, Any]:
    choices = _require(r, "choices")
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise ResponseInvalid("response.choices", "must be a list of option ids")
    if len(set(choices)) != len(choices):
        raise ResponseInvalid("response.choices", "an option is chosen twice")
    if not set(choices) <= _option_ids(q):
        raise ResponseInvalid("response.choices", "not an option of this question")
    return {"choices": sorted(choices)}


def _v_bool(q: TrueFalse, r: dict[str, Any]) -> dict[str, Any]:
    value = _require(r, "value")
    if not isinstance(value, bool):
        raise ResponseInvalid("response.value", "must be true or false")
    return {"value": value}


def _v_pairs(q: Matching, r: dict[str, Any]) -> dict[str, Any]:
    pairs = _require(r, "pairs")
    if not isinstance(pairs, dict):
        raise ResponseInvalid("response.pairs", "must map premise ids to answer ids")
    premises = set(q.premise_ids())
    answers = {cid for cid, _ in q.answer_choices()}
    for premise, answer in pairs.items():
        if premise not in premises:
            raise ResponseInvalid("response.pairs", f"unknown premise '{premise}'")
        if not isinstance(answer, str) or answer not in answers:
            raise ResponseInvalid(f"response.pairs.{premise}", "unknown answer")
    return {"pairs": dict(sorted(pairs.items()))}


def _v_order(q: Ordering, r: dict[str, Any]) -> dict[str, Any]:
    order = _require(r, "order")
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(q.item_ids()):
        raise ResponseInvalid("response.order", "must list every item exactly once")
    if not all(isinstance(i, str) for i in order):
        raise ResponseInvalid("response.order", "must be a list of item ids")
    return {"order": list(order)}


def _v_number(q: Numeric, r: dict[str, Any]) -> dict[str, Any]:
    return {"value": _number(_require(r, "value"), "response.value")}


def _v_point(q: Hotspot, r: dict[str, Any]) -> dict[str, Any]:
    point = _require(r, "point")
    if not isinstance(point, dict) or set(point) != {"x", "y"}:
        raise ResponseInvalid("response.point", 'must be {"x": 0..1, "y": 0..1}')
    x, y = _number(point["x"], "response.point.x"), _number(point["y"], "response.point.y")
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ResponseInvalid("response.point", "x and y are fractions between 0 and 1")
    return {"point": {"x": x, "y": y}}


def _v_text(q: ShortAnswer, r: dict[str, Any]) -> dict[str, Any]:
    text = _require(r, "text")
    if not isinstance(text, str):
        raise ResponseInvalid("response.text", "must be a string")
    if len(text) > MAX_TEXT_LENGTH:
        raise ResponseInvalid("response.text", f"at most {MAX_TEXT_LENGTH} characters")
    return {"text": text}


def _v_likert(q: ScriptConcordance, r: dict[str, Any]) -> dict[str, Any]:
    value = _require(r, "value")
    if isinstance(value, bool) or not isinstance(value, int) or not -2 <= value <= 2:
        raise ResponseInvalid("response.value", "must be an integer from -2 to 2")
    return {"value": value}


# ---------------------------------------------------------------- scorers


def _s_choice(q: SingleChoice, r: dict[str, Any]) -> float:
    return 1.0 if next(o for o in q.options if o.correct).id == r["choice"] else 0.0


def _s_choices(q: MultipleResponse, r: dict[str, Any]) -> float:
    correct = {o.id for o in q.options if o.correct}
    chosen = set(r["choices"])
    right, wrong = len(chosen & correct), len(chosen - correct)
    return max(0.0, (right - wrong) / len(correct))


def _s_bool(q: TrueFalse, r: dict[str, Any]) -> float:
    return 1.0 if r["value"] is q.answer else 0.0


def _s_pairs(q: Matching, r: dict[str, Any]) -> float:
    key = q.key_map()
    return sum(r["pairs"].get(p) == a for p, a in key.items()) / len(key)


def _s_order(q: Ordering, r: dict[str, Any]) -> float:
    ids = q.item_ids()
    return sum(a == b for a, b in zip(r["order"], ids, strict=True)) / len(ids)


def _s_number(q: Numeric, r: dict[str, Any]) -> float:
    return 1.0 if abs(r["value"] - q.answer) <= q.tolerance + NUMERIC_EPSILON else 0.0


def point_in_polygon(x: float, y: float, points: list[tuple[float, float]]) -> bool:
    """Ray casting; a point on an edge counts as inside."""
    inside = False
    n = len(points)
    for i in range(n):
        (x1, y1), (x2, y2) = points[i], points[(i + 1) % n]
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= x <= max(x1, x2) + 1e-12 and (
        min(y1, y2) - 1e-12 <= y <= max(y1, y2) + 1e-12
    )


def _s_point(q: Hotspot, r: dict[str, Any]) -> float:
    x, y = r["point"]["x"], r["point"]["y"]
    return 1.0 if any(point_in_polygon(x, y, g.points) for g in q.regions if g.correct) else 0.0


def _normalise_text(text: str) -> str:
    return " ".join(text.split())


def pattern_matches(pattern: str, text: str, case_sensitive: bool = False) -> bool:
    regex = ".*".join(re.escape(part) for part in _normalise_text(pattern).split("*"))
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(regex, _normalise_text(text), flags) is not None


def _s_text(q: ShortAnswer, r: dict[str, Any]) -> float:
    return 1.0 if any(pattern_matches(p, r["text"], q.case_sensitive) for p in q.answers) else 0.0


def sct_credits(panel: list[int]) -> list[float]:
    """Credit for answers -2..+2: panellists choosing it / panellists choosing the mode."""
    modal = max(panel)
    return [count / modal for count in panel]


def _s_likert(q: ScriptConcordance, r: dict[str, Any]) -> float:
    return sct_credits(q.panel)[r["value"] + 2]


# ---------------------------------------------------------------- keys


def _k_choice(q: SingleChoice) -> dict[str, Any]:
    return {"choice": next(o for o in q.options if o.correct).id}


def _k_choices(q: MultipleResponse) -> dict[str, Any]:
    return {"choices": sorted(o.id for o in q.options if o.correct)}


def interior_point(points: list[tuple[float, float]]) -> dict[str, float]:
    """A point inside the polygon: its centroid, else a fan triangle's centroid, else a vertex."""
    n = len(points)
    candidates = [(sum(p[0] for p in points) / n, sum(p[1] for p in points) / n)]
    candidates += [
        (
            (points[0][0] + points[i][0] + points[i + 1][0]) / 3,
            (points[0][1] + points[i][1] + points[i + 1][1]) / 3,
        )
        for i in range(1, n - 1)
    ]
    for x, y in candidates:
        if point_in_polygon(x, y, points):
            return {"x": x, "y": y}
    return {"x": points[0][0], "y": points[0][1]}  # on the boundary, which counts as inside


def _k_point(q: Hotspot) -> dict[str, Any]:
    return {"point": interior_point(next(g for g in q.regions if g.correct).points)}


def _k_text(q: ShortAnswer) -> dict[str, Any]:
    return {"text": q.answers[0].replace("*", "")}


def _k_likert(q: ScriptConcordance) -> dict[str, Any]:
    return {"value": q.panel.index(max(q.panel)) - 2}


RULES: dict[QuestionType, TypeRules] = {
    QuestionType.SINGLE_CHOICE: TypeRules(_v_choice, _s_choice, _k_choice),
    QuestionType.MULTIPLE_RESPONSE: TypeRules(_v_choices, _s_choices, _k_choices),
    QuestionType.TRUE_FALSE: TypeRules(_v_bool, _s_bool, lambda q: {"value": q.answer}),
    QuestionType.MATCHING: TypeRules(_v_pairs, _s_pairs, lambda q: {"pairs": q.key_map()}),
    QuestionType.ORDERING: TypeRules(_v_order, _s_order, lambda q: {"order": q.item_ids()}),
    QuestionType.NUMERIC: TypeRules(_v_number, _s_number, lambda q: {"value": q.answer}),
    QuestionType.HOTSPOT: TypeRules(_v_point, _s_point, _k_point),
    QuestionType.SHORT_ANSWER: TypeRules(_v_text, _s_text, _k_text),
    QuestionType.SCRIPT_CONCORDANCE: TypeRules(_v_likert, _s_likert, _k_likert),
}


def validate_response(question: QuestionBase, response: Any) -> dict[str, Any]:
    """The response in canonical form, or ``ResponseInvalid`` naming the field."""
    return RULES[question.type].validate(question, response)


def score(question: QuestionBase, response: dict[str, Any] | None) -> Score:
    """The score of a validated response (``None``: unanswered, 0)."""
    if response is None:
        return Score(0.0)
    value = RULES[question.type].score(question, response)
    return Score(min(MAX_SCORE, max(0.0, value)))


def key_response(question: QuestionBase) -> dict[str, Any]:
    """A response that earns the full score (shown in review, used by tests)."""
    return RULES[question.type].key(question)
