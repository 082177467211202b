"""The result page of a closed attempt, as plain data: pure functions (no Flask, no database).

The route decides *what* may be shown (``presenters.may_show_*``: a secure exam item never has
its correctness shown, a score-only exam shows no questions); these functions only shape what
it passes in:

- ``score_summary``: the score as people write it (one decimal: "5.2 / 20") and the percent
  as a whole number that never rounds across the pass mark (69.6 % with a pass mark of 70 %
  reads "69 %", not a failing "70 %");
- ``grid``: one cell per question (correct, partly correct, incorrect; flagged);
- ``parse_filter`` / ``matches`` / ``filter_counts``: the review's filters (all, incorrect,
  flagged), chosen by the ``show`` query string;
- ``breakdown``: score per topic and per learning objective, each against the pass mark.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.banks.labels import objective_label, topic_label

CORRECT, PARTIAL, INCORRECT = "correct", "partial", "incorrect"
FILTERS = ("all", "incorrect", "flagged")
EPSILON = 1e-9


class FilterInvalid(ValueError):
    """A ``show`` value that is not one of ``FILTERS``."""


def round_score(value: float | None, places: int = 1) -> float:
    """Half up, as people round by hand (5.16667 -> 5.2, 2.25 -> 2.3)."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value or 0.0)).quantize(quantum, rounding=ROUND_HALF_UP))


def display_percent(percent: float | None, pass_mark: float, passed: bool) -> int:
    """A whole percent, half up; a failed attempt is never shown at or above the pass mark
    and a passed one never below it."""
    shown = int(Decimal(str(percent or 0.0)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not passed and shown >= pass_mark:
        shown = max(0, math.ceil(pass_mark) - 1)
    if passed and shown < pass_mark:
        shown = math.ceil(pass_mark)
    return shown


@dataclass(frozen=True)
class ScoreSummary:
    score: float  # one decimal
    max_score: float
    percent: int  # whole, never across the pass mark
    pass_mark: float
    passed: bool


def score_summary(
    score: float | None, max_score: float, percent: float | None, pass_mark: float, passed: bool
) -> ScoreSummary:
    return ScoreSummary(
        round_score(score),
        round_score(max_score),
        display_percent(percent, pass_mark, passed),
        pass_mark,
        passed,
    )


def item_state(score: float | None, max_score: float) -> str:
    earned = score or 0.0
    if max_score > 0 and earned >= max_score - EPSILON:
        return CORRECT
    if earned > EPSILON:
        return PARTIAL
    return INCORRECT


@dataclass(frozen=True)
class Cell:
    """One question of the right/wrong grid."""

    position: int
    state: str  # correct | partial | incorrect
    flagged: bool
    answered: bool
    topic: str = ""


def grid(items: Iterable[tuple[int, float | None, float, bool, bool, str]]) -> list[Cell]:
    """Cells from (position, score, max score, flagged, answered, topic title) rows."""
    return [
        Cell(position, item_state(score, max_score), flagged, answered, topic)
        for position, score, max_score, flagged, answered, topic in items
    ]


def parse_filter(value: str | None) -> str:
    """The review filter from the query string: missing or empty is "all"."""
    if value is None or value == "":
        return "all"
    if value not in FILTERS:
        raise FilterInvalid(value)
    return value


def matches(cell: Cell, which: str) -> bool:
    if which == "incorrect":
        return cell.state != CORRECT
    if which == "flagged":
        return cell.flagged
    return True


def filter_counts(cells: Iterable[Cell]) -> dict[str, int]:
    listed = list(cells)
    return {f: sum(1 for c in listed if matches(c, f)) for f in FILTERS}


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    score: float
    max_score: float
    questions: int

    @property
    def percent(self) -> int:
        if self.max_score <= 0:
            return 0
        return int(
            Decimal(str(100 * self.score / self.max_score)).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )

    @property
    def ratio(self) -> float:
        return 0.0 if self.max_score <= 0 else max(0.0, min(1.0, self.score / self.max_score))


@dataclass(frozen=True)
class Breakdown:
    by_topic: list[BreakdownRow]
    by_objective: list[BreakdownRow]
    pass_mark: float

    def meets(self, row: BreakdownRow) -> bool:
        """At or above the pass mark (exactly, not the rounded percent)."""
        return 100 * row.ratio >= self.pass_mark - EPSILON


def _add(table: dict[str, list[float]], key: str, score: float | None, max_score: float) -> None:
    entry = table.setdefault(key, [0.0, 0.0, 0])
    entry[0] += float(score or 0.0)
    entry[1] += float(max_score)
    entry[2] += 1


def breakdown(
    rows: Iterable[tuple[str, str, str | None, float | None, float]],
    objective_texts: Mapping[str, str],
    pass_mark: float,
) -> Breakdown:
    """Score per topic and per objective from (topic slug, topic title, objective, score,
    max score) rows, one per item; items without an objective count in their topic only.
    Sorted by label; labels are readable names (``app.banks.labels``), never bare slugs."""
    topics: dict[str, list[float]] = {}
    objectives: dict[str, list[float]] = {}
    titles: dict[str, str] = {}
    for slug, title, objective, score, max_score in rows:
        titles[slug] = title
        _add(topics, slug, score, max_score)
        if objective:
            _add(objectives, objective, score, max_score)

    def made(table: dict[str, list[float]], label: dict[str, str]) -> list[BreakdownRow]:
        built = [BreakdownRow(k, label[k], v[0], v[1], int(v[2])) for k, v in table.items()]
        return sorted(built, key=lambda r: (r.label.casefold(), r.key))

    topic_names = {k: topic_label(k, titles) for k in topics}
    objective_names = {k: objective_label(k, objective_texts) for k in objectives}
    return Breakdown(made(topics, topic_names), made(objectives, objective_names), pass_mark)
