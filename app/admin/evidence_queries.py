"""The reads behind the reviewers' evidence: a handful of queries for a whole page of
completions (attempts, items, cohort peers), turned into ``evidence.AttemptFacts``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin import evidence
from app.banks.models import Module
from app.certificates.models import Completion
from app.derived import store
from app.enrolment.models import Enrolment
from app.quiz.models import Attempt, AttemptItem, AttemptStatus


@dataclass(frozen=True)
class Evidence:
    """What the reviewer sees for one completion."""

    attempts: list[evidence.AttemptFacts]
    distribution: evidence.Distribution
    flags: list[evidence.Flag]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def _program_slugs(completion: Completion) -> set[str]:
    program = completion.program
    slugs = set(program.module_slugs or [])
    slugs.update(s for s in (program.final_exam_slug, program.renewal_module_slug) if s)
    return slugs


def _attempts(
    session: Session, user_ids: Iterable[int], module_ids: Iterable[int]
) -> list[tuple[Attempt, str]]:
    users, modules = list(set(user_ids)), list(set(module_ids))
    if not users or not modules:
        return []
    return [
        (attempt, title)
        for attempt, title in session.execute(
            sa.select(Attempt, Module.title)
            .join(Module, Module.id == Attempt.module_id)
            .where(
                Attempt.user_id.in_(users),
                Attempt.module_id.in_(modules),
                Attempt.status != AttemptStatus.IN_PROGRESS,
            )
            .order_by(Attempt.started_at, Attempt.id)
        ).all()
    ]


class _ItemRow(NamedTuple):
    """The columns of an attempt item the evidence reads (issue 19: no ORM object per item)."""

    question_version_id: int
    response: Any
    saved_at: datetime | None


def _items(session: Session, attempt_ids: Sequence[int]) -> dict[int, list[_ItemRow]]:
    found: dict[int, list[_ItemRow]] = defaultdict(list)
    if attempt_ids:
        for attempt_id, *columns in session.execute(
            sa.select(
                AttemptItem.attempt_id,
                AttemptItem.question_version_id,
                AttemptItem.response,
                AttemptItem.saved_at,
            ).where(AttemptItem.attempt_id.in_(list(attempt_ids)))
        ):
            found[attempt_id].append(_ItemRow(*columns))
    return found


def _facts(attempt: Attempt, title: str, items: list[_ItemRow]) -> evidence.AttemptFacts:
    return evidence.AttemptFacts(
        attempt_id=attempt.id,
        user_id=attempt.user_id,
        module_id=attempt.module_id,
        module_title=title,
        attempt_no=attempt.attempt_no,
        started_at=attempt.started_at,
        submitted_at=attempt.submitted_at,
        questions=len(items),
        percent=attempt.percent,
        saved_at=tuple(i.saved_at for i in items if i.saved_at is not None),
        responses={i.question_version_id: i.response for i in items},
    )


def _cohorts_of(session: Session, user_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each user's cohorts (any enrolment state)."""
    users = list(set(user_ids))
    found: dict[int, set[int]] = defaultdict(set)
    if users:
        for user_id, cohort_id in session.execute(
            sa.select(Enrolment.user_id, Enrolment.cohort_id).where(
                Enrolment.user_id.in_(users), Enrolment.cohort_id.is_not(None)
            )
        ):
            found[user_id].add(cohort_id)
    return found


def _cohort_peers(session: Session, cohorts_of: dict[int, set[int]]) -> dict[int, set[int]]:
    """For each user, the other trainees sharing one of their cohorts (any enrolment state)."""
    cohorts = set().union(set(), *cohorts_of.values())
    members: dict[int, set[int]] = defaultdict(set)
    if cohorts:
        for user_id, cohort_id in session.execute(
            sa.select(Enrolment.user_id, Enrolment.cohort_id).where(
                Enrolment.cohort_id.in_(list(cohorts))
            )
        ):
            members[cohort_id].add(user_id)
    return {
        user_id: set().union(set(), *(members[c] for c in mine)) - {user_id}
        for user_id, mine in cohorts_of.items()
    }


def _cohort_stamps(
    session: Session, cohorts: Iterable[int], module_ids: Iterable[int]
) -> dict[tuple[int, int], str]:
    """(cohort, module) -> a stamp of the finished attempts of the cohort's members at the
    module: their number, highest id and id sum, one aggregate for the page. A finished
    attempt's answers never change, so a new or removed attempt, or a member joining or
    leaving with attempts, is what changes a completion's identical-answers flags."""
    cohort_ids, modules = sorted(set(cohorts)), sorted(set(module_ids))
    if not cohort_ids or not modules:
        return {}
    rows = session.execute(
        sa.select(
            Enrolment.cohort_id,
            Attempt.module_id,
            sa.func.count(Attempt.id),
            sa.func.max(Attempt.id),
            sa.func.sum(Attempt.id),
        )
        .join(Attempt, Attempt.user_id == Enrolment.user_id)
        .where(
            Enrolment.cohort_id.in_(cohort_ids),
            Attempt.module_id.in_(modules),
            Attempt.status != AttemptStatus.IN_PROGRESS,
        )
        .group_by(Enrolment.cohort_id, Attempt.module_id)
    )
    return {(c, m): store.stamp_of(n, top, total) for c, m, n, top, total in rows}


def _identical_stamp(
    mine: Sequence[evidence.AttemptFacts],
    modules: set[int],
    cohorts: set[int],
    stamps: dict[tuple[int, int], str],
    min_items: int,
) -> str:
    return store.stamp_of(
        min_items,
        ",".join(str(a.attempt_id) for a in mine),
        ";".join(
            f"{c}/{m}/{stamps.get((c, m), '')}" for c in sorted(cohorts) for m in sorted(modules)
        ),
    )


def _load_matches(payload: Any) -> dict[int, list[tuple[int, int]]]:
    return {
        int(attempt): [(int(a), int(u)) for a, u in found]
        for attempt, found in payload["matches"].items()
    }


def evidence_for(
    session: Session, completions: Sequence[Completion], thresholds: evidence.Thresholds
) -> dict[int, Evidence]:
    """Evidence per completion id, in a fixed number of queries for the whole list.

    The identical-answers flags compare each completion's attempts with every cohort peer's
    (tens of thousands of answered items at an institution's size): they are kept in
    ``derived_results`` per completion (app/derived) under a stamp of the completion's own
    attempts, its cohorts' finished attempts at its modules (``_cohort_stamps``) and the
    threshold, and computed again, for the completions whose stamp changed only."""
    if not completions:
        return {}
    slugs = set().union(*(_program_slugs(c) for c in completions))
    module_ids = dict(
        session.execute(sa.select(Module.slug, Module.id).where(Module.slug.in_(slugs))).all()
    )
    cohorts_of = _cohorts_of(session, (c.user_id for c in completions))
    own_rows = _attempts(session, (c.user_id for c in completions), module_ids.values())
    items = _items(session, [a.id for a, _ in own_rows])
    own = [_facts(a, t, items[a.id]) for a, t in own_rows]
    stamps = _cohort_stamps(session, set().union(set(), *cohorts_of.values()), module_ids.values())
    min_items = thresholds.identical_min_items
    mine_of: dict[int, list[evidence.AttemptFacts]] = {}
    keys: dict[str, str] = {}  # completion id -> its identical-answers stamp
    for c in completions:
        modules = {module_ids[s] for s in _program_slugs(c) if s in module_ids}
        mine_of[c.id] = [
            a
            for a in own
            if a.user_id == c.user_id and a.module_id in modules and a.started_at <= c.completed_at
        ]
        keys[str(c.id)] = _identical_stamp(
            mine_of[c.id], modules, cohorts_of.get(c.user_id, set()), stamps, min_items
        )
    kept = store.kept(session, store.IDENTICAL_ANSWERS, keys, _load_matches)
    matches = {c.id: kept[str(c.id)].value for c in completions if str(c.id) in kept}
    missing = [c for c in completions if c.id not in matches]
    if missing:
        matches.update(
            _compute_matches(session, missing, mine_of, cohorts_of, module_ids, min_items)
        )
        store.put_many(
            session,
            store.IDENTICAL_ANSWERS,
            (
                (c.id, keys[str(c.id)], {"matches": {str(a): f for a, f in matches[c.id].items()}})
                for c in missing
            ),
        )
    result = {}
    for c in completions:
        mine = mine_of[c.id]
        times = [t for a in mine for t in evidence.question_times(a.started_at, a.saved_at)]
        result[c.id] = Evidence(
            mine, evidence.distribution(times), evidence.flags_with(mine, matches[c.id], thresholds)
        )
    return result


def _compute_matches(
    session: Session,
    completions: Sequence[Completion],
    mine_of: dict[int, list[evidence.AttemptFacts]],
    cohorts_of: dict[int, set[int]],
    module_ids: dict[str, int],
    min_items: int,
) -> dict[int, dict[int, list[tuple[int, int]]]]:
    """The identical-answers matches of ``completions``: every cohort peer's finished attempts
    read once, one index over them for the whole list (each completion kept to its own peers)."""
    users = {c.user_id for c in completions}
    peers = _cohort_peers(session, {u: cohorts_of.get(u, set()) for u in users})
    peer_ids = set().union(set(), *peers.values())
    peer_rows = _attempts(session, peer_ids, module_ids.values())
    items = _items(session, [a.id for a, _ in peer_rows])
    index = evidence.PeerIndex(_facts(a, t, items[a.id]) for a, t in peer_rows)
    return {
        c.id: evidence.identical_matches(
            mine_of[c.id], index, min_items, peers.get(c.user_id, set())
        )
        for c in completions
    }
