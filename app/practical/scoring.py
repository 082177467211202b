"""OSCE scoring and examiner agreement (pure: no Flask, no database).

A station has a checklist of observable steps with weights, critical errors, a global rating
scale (1..n) and a pass rule: the weighted checklist percentage at least ``pass_percent`` and
the global rating at least ``min_global``, and no critical error, whatever the score.

Agreement between two examiners who marked the same performances: per checklist item and
overall, the percent agreement and Cohen's kappa on the done/not-done marks,
κ = (p_o − p_e) / (1 − p_e) with p_e from each examiner's own rate of "done". Leniency: an
examiner's mean percentage minus their co-examiners' on the same performances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    percent: float
    passed: bool
    reasons: tuple[str, ...]  # why it failed (empty when passed)


def score(
    checklist: Sequence[Mapping[str, object]],
    marks: Mapping[str, bool],
    critical: Sequence[str],
    global_rating: int | None,
    pass_percent: float,
    min_global: int,
) -> Verdict:
    total = sum(float(item["weight"]) for item in checklist)  # type: ignore[arg-type]
    got = sum(float(item["weight"]) for item in checklist if marks.get(str(item["id"])))  # type: ignore[arg-type]
    percent = round(100.0 * got / total, 2) if total else 0.0
    reasons = []
    if critical:
        reasons.append("critical error: " + ", ".join(critical))
    if percent < pass_percent:
        reasons.append(f"checklist {percent:g} % below {pass_percent:g} %")
    if global_rating is None or global_rating < min_global:
        reasons.append(f"global rating below {min_global}")
    return Verdict(percent, not reasons, tuple(reasons))


@dataclass(frozen=True)
class Agreement:
    pairs: int
    percent: float | None  # percent agreement, 0..100
    kappa: float | None  # None when undefined (both examiners constant and alike)


def agreement(pairs: Sequence[tuple[bool, bool]]) -> Agreement:
    """Percent agreement and Cohen's kappa of paired binary marks (examiner A, examiner B)."""
    n = len(pairs)
    if n == 0:
        return Agreement(0, None, None)
    p_o = sum(1 for a, b in pairs if a == b) / n
    a_yes = sum(1 for a, _ in pairs if a) / n
    b_yes = sum(1 for _, b in pairs if b) / n
    p_e = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    kappa = None if p_e >= 1.0 else round((p_o - p_e) / (1 - p_e), 4)
    return Agreement(n, round(100.0 * p_o, 2), kappa)


@dataclass(frozen=True)
class PairedMarking:
    """Two examiners' marks on one performance."""

    item_ids: tuple[str, ...]
    first: Mapping[str, bool]
    second: Mapping[str, bool]


def item_agreement(markings: Sequence[PairedMarking]) -> dict[str, Agreement]:
    by_item: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for m in markings:
        for item in m.item_ids:
            by_item[item].append((bool(m.first.get(item)), bool(m.second.get(item))))
    return {item: agreement(pairs) for item, pairs in by_item.items()}


def overall_agreement(markings: Sequence[PairedMarking]) -> Agreement:
    pairs = [
        (bool(m.first.get(item)), bool(m.second.get(item))) for m in markings for item in m.item_ids
    ]
    return agreement(pairs)


def leniency(scores: Sequence[tuple[int, str, float]]) -> dict[str, float]:
    """Per examiner: mean (own percent − mean of the others' on the same performance).

    ``scores``: (performance id, examiner, percent). Performances with one examiner say
    nothing about leniency and are skipped.
    """
    by_performance: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for performance, examiner, percent in scores:
        by_performance[performance].append((examiner, percent))
    diffs: dict[str, list[float]] = defaultdict(list)
    for marks in by_performance.values():
        if len(marks) < 2:
            continue
        for examiner, percent in marks:
            others = [p for e, p in marks if e != examiner]
            diffs[examiner].append(percent - sum(others) / len(others))
    return {e: round(sum(d) / len(d), 2) for e, d in diffs.items()}
