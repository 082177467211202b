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


def _cohort_peers(session: Session, user_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each user, the other trainees sharing one of their cohorts (any enrolment state)."""
    users = list(set(user_ids))
    if not users:
        return {}
    mine = session.execute(
        sa.select(Enrolment.user_id, Enrolment.cohort_id).where(
            Enrolment.user_id.in_(users), Enrolment.cohort_id.is_not(None)
        )
    ).all()
    cohorts = {c for _, c in mine}
    members: dict[int, set[int]] = defaultdict(set)
    if cohorts:
        for user_id, cohort_id in session.execute(
            sa.select(Enrolment.user_id, Enrolment.cohort_id).where(
                Enrolment.cohort_id.in_(list(cohorts))
            )
        ):
            members[cohort_id].add(user_id)
    peers: dict[int, set[int]] = defaultdict(set)
    for user_id, cohort_id in mine:
        peers[user_id] |= members[cohort_id] - {user_id}
    return peers


def evidence_for(
    session: Session, completions: Sequence[Completion], thresholds: evidence.Thresholds
) -> dict[int, Evidence]:
    """Evidence per completion id, in a fixed number of queries for the whole list."""
    if not completions:
        return {}
    slugs = set().union(*(_program_slugs(c) for c in completions))
    module_ids = dict(
        session.execute(sa.select(Module.slug, Module.id).where(Module.slug.in_(slugs))).all()
    )
    peers = _cohort_peers(session, (c.user_id for c in completions))
    own_rows = _attempts(session, (c.user_id for c in completions), module_ids.values())
    peer_ids = set().union(set(), *peers.values())
    peer_rows = _attempts(session, peer_ids, module_ids.values())
    items = _items(session, [a.id for a, _ in own_rows + peer_rows])
    own = [_facts(a, t, items[a.id]) for a, t in own_rows]
    # One index over every peer of the page, each completion restricted to its own peers
    # (issue 19: the index was rebuilt over the cohort for every completion).
    index = evidence.PeerIndex(_facts(a, t, items[a.id]) for a, t in peer_rows)
    result = {}
    for c in completions:
        modules = {module_ids[s] for s in _program_slugs(c) if s in module_ids}
        mine = [
            a
            for a in own
            if a.user_id == c.user_id and a.module_id in modules and a.started_at <= c.completed_at
        ]
        times = [t for a in mine for t in evidence.question_times(a.started_at, a.saved_at)]
        result[c.id] = Evidence(
            mine,
            evidence.distribution(times),
            evidence.all_flags(mine, index, thresholds, peers.get(c.user_id, set())),
        )
    return result
