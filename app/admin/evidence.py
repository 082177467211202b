"""Evidence for reviewers (pure): time per question and the flags a reviewer should look at.

Three flags, each computed from plain facts the query layer reads (``app/admin/evidence_queries``):

- ``speed``: an attempt whose average time per question is under ``min_seconds_per_question``
  (submitted minus started, divided by its number of questions);
- ``identical``: an attempt whose responses equal, item for item, those of another trainee of
  the same cohort on the same module, over at least ``identical_min_items`` shared questions
  (every shared question answered by both, and all of them the same);
- ``burst``: ``burst_attempts`` or more attempts of one module started within
  ``burst_minutes``.

The thresholds are instance settings (``ReviewSettings`` in app/settings.py); the defaults
below are the documented ones.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

MIN_SECONDS_PER_QUESTION = 10.0
IDENTICAL_MIN_ITEMS = 5
BURST_ATTEMPTS = 3
BURST_MINUTES = 60

SPEED = "speed"
IDENTICAL = "identical"
BURST = "burst"


@dataclass(frozen=True)
class Thresholds:
    min_seconds_per_question: float = MIN_SECONDS_PER_QUESTION
    identical_min_items: int = IDENTICAL_MIN_ITEMS
    burst_attempts: int = BURST_ATTEMPTS
    burst_minutes: int = BURST_MINUTES


@dataclass(frozen=True)
class AttemptFacts:
    """One finished attempt as the evidence needs it."""

    attempt_id: int
    user_id: int
    module_id: int
    module_title: str
    attempt_no: int
    started_at: datetime
    submitted_at: datetime | None
    questions: int
    percent: float | None
    saved_at: tuple[datetime, ...] = ()
    responses: Mapping[int, Any] = field(default_factory=dict)  # question version id → response

    @cached_property
    def canonical(self) -> dict[int, str]:
        """The answered responses in canonical form, computed once per attempt (issue 19: the
        review queue compared every pair of a cohort's attempts, json.dumps per item)."""
        return {q: _canonical(r) for q, r in self.responses.items() if r is not None}

    @property
    def seconds(self) -> float | None:
        if self.submitted_at is None:
            return None
        return max(0.0, (self.submitted_at - self.started_at).total_seconds())

    @property
    def seconds_per_question(self) -> float | None:
        if self.seconds is None or self.questions <= 0:
            return None
        return self.seconds / self.questions


@dataclass(frozen=True)
class Flag:
    kind: str
    message: str
    attempt_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Distribution:
    """Seconds per question: how many gaps, and the quartiles (None when there are none)."""

    count: int
    minimum: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    maximum: float | None = None


def question_times(started_at: datetime, saved_at: Iterable[datetime]) -> list[float]:
    """Seconds between successive saves, the first from the start (a proxy for the time spent on
    each question: the platform records when each answer was saved, not when it was shown)."""
    times: list[float] = []
    previous = started_at
    for moment in sorted(saved_at):
        times.append(max(0.0, (moment - previous).total_seconds()))
        previous = moment
    return times


def distribution(seconds: Sequence[float]) -> Distribution:
    """Minimum, quartiles (inclusive method) and maximum of ``seconds``."""
    values = sorted(seconds)
    if not values:
        return Distribution(0)
    if len(values) == 1:
        v = values[0]
        return Distribution(1, v, v, v, v, v)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Distribution(len(values), values[0], q1, median, q3, values[-1])


def speed_flags(attempts: Iterable[AttemptFacts], min_seconds: float) -> list[Flag]:
    """One flag per attempt averaging under ``min_seconds`` per question."""
    flags = []
    for a in attempts:
        per_question = a.seconds_per_question
        if per_question is not None and per_question < min_seconds:
            flags.append(
                Flag(
                    SPEED,
                    f"{a.module_title}, attempt {a.attempt_no}: {per_question:.1f} s per question"
                    f" on average (under {min_seconds:g} s).",
                    (a.attempt_id,),
                )
            )
    return flags


def _canonical(response: Any) -> str:
    return json.dumps(response, sort_keys=True, default=str)


def same_pattern(a: Mapping[int, Any], b: Mapping[int, Any], min_items: int) -> bool:
    """True when ``a`` and ``b`` answer at least ``min_items`` shared questions, all alike.

    Unanswered questions (None) do not count as shared."""
    shared = [q for q in a if q in b and a[q] is not None and b[q] is not None]
    if len(shared) < max(1, min_items):
        return False
    return all(_canonical(a[q]) == _canonical(b[q]) for q in shared)


def _alike(a: dict[int, str], b: dict[int, str], min_items: int) -> bool:
    """``same_pattern`` on answers already canonical (unanswered ones left out)."""
    shared = a.keys() & b.keys()
    return len(shared) >= max(1, min_items) and all(a[q] == b[q] for q in shared)


class PeerIndex:
    """Peers' attempts grouped by module, with an index (module, question, answer) -> positions
    of the peers that gave it: a peer is compared in full only when it shares enough identical
    answers (issue 19: not every pair). Built once per page of the review queue and shared by
    its completions (``allowed`` keeps each one to its own cohort peers)."""

    def __init__(self, peers: Iterable[AttemptFacts]) -> None:
        self.by_module: dict[int, list[AttemptFacts]] = {}
        for p in peers:
            self.by_module.setdefault(p.module_id, []).append(p)
        self.index: dict[tuple[int, int, str], list[int]] = {}
        for module_id, group in self.by_module.items():
            for position, p in enumerate(group):
                for question, answer in p.canonical.items():
                    self.index.setdefault((module_id, question, answer), []).append(position)

    def matches(
        self, a: AttemptFacts, min_items: int, allowed: Set[int] | None = None
    ) -> list[AttemptFacts]:
        """The peers (in ``allowed`` when given) whose answers match ``a``'s, in peer order."""
        alike: dict[int, int] = {}
        for question, answer in a.canonical.items():
            for position in self.index.get((a.module_id, question, answer), ()):
                alike[position] = alike.get(position, 0) + 1
        group = self.by_module.get(a.module_id, [])
        return [
            group[i]
            for i in sorted(alike)
            if alike[i] >= max(1, min_items)
            and group[i].user_id != a.user_id
            and (allowed is None or group[i].user_id in allowed)
            and _alike(a.canonical, group[i].canonical, min_items)
        ]


def identical_matches(
    own: Iterable[AttemptFacts],
    peers: Iterable[AttemptFacts] | PeerIndex,
    min_items: int,
    allowed: Set[int] | None = None,
) -> dict[int, list[tuple[int, int]]]:
    """Own attempt id -> the (attempt id, user id) of each peer attempt whose answers match it,
    in peer order; attempts without a match are absent (what the review queue keeps)."""
    index = peers if isinstance(peers, PeerIndex) else PeerIndex(peers)
    found = {}
    for a in own:
        matches = index.matches(a, min_items, allowed)
        if matches:
            found[a.attempt_id] = [(p.attempt_id, p.user_id) for p in matches]
    return found


def identical_flag(a: AttemptFacts, matches: Sequence[tuple[int, int]]) -> Flag:
    """The flag of attempt ``a`` matching the peer attempts ``matches`` (attempt id, user id)."""
    return Flag(
        IDENTICAL,
        f"{a.module_title}, attempt {a.attempt_no}: the same responses as"
        f" {len({user for _, user in matches})} other trainee(s) of the cohort.",
        (a.attempt_id, *(attempt for attempt, _ in matches)),
    )


def identical_flags(
    own: Iterable[AttemptFacts],
    peers: Iterable[AttemptFacts] | PeerIndex,
    min_items: int,
    allowed: Set[int] | None = None,
) -> list[Flag]:
    """Flags for the trainee's attempts whose answers match a peer's on the same module."""
    own = list(own)
    found = identical_matches(own, peers, min_items, allowed)
    return [identical_flag(a, found[a.attempt_id]) for a in own if a.attempt_id in found]


def burst_flags(attempts: Iterable[AttemptFacts], count: int, minutes: int) -> list[Flag]:
    """A flag per module with ``count`` or more attempts started within ``minutes``."""
    window = timedelta(minutes=minutes)
    by_module: dict[int, list[AttemptFacts]] = {}
    for a in attempts:
        by_module.setdefault(a.module_id, []).append(a)
    flags = []
    for group in by_module.values():
        group.sort(key=lambda a: a.started_at)
        for i in range(len(group) - count + 1):
            run = group[i : i + count]
            if count > 0 and run[-1].started_at - run[0].started_at <= window:
                flags.append(
                    Flag(
                        BURST,
                        f"{run[0].module_title}: {count} attempts within {minutes} minutes.",
                        tuple(a.attempt_id for a in run),
                    )
                )
                break
    return flags


def all_flags(
    own: Sequence[AttemptFacts],
    peers: Sequence[AttemptFacts] | PeerIndex,
    thresholds: Thresholds,
    allowed: Set[int] | None = None,
) -> list[Flag]:
    """Every flag of ``own``; ``peers`` may be a prebuilt index restricted to ``allowed`` users."""
    matches = identical_matches(own, peers, thresholds.identical_min_items, allowed)
    return flags_with(own, matches, thresholds)


def flags_with(
    own: Sequence[AttemptFacts],
    matches: Mapping[int, Sequence[tuple[int, int]]],
    thresholds: Thresholds,
) -> list[Flag]:
    """Every flag of ``own``, the identical answers given as ``identical_matches`` found them
    (computed now or kept: app/admin/evidence_queries.py)."""
    return [
        *speed_flags(own, thresholds.min_seconds_per_question),
        *(identical_flag(a, matches[a.attempt_id]) for a in own if matches.get(a.attempt_id)),
        *burst_flags(own, thresholds.burst_attempts, thresholds.burst_minutes),
    ]
