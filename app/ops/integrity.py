"""The invariants of stored attempts, completions and certificates, one query per rule.

``check(session)`` lists every row that breaks one, for operators (``flask --app wsgi backup
check``, run after every restore) and for tests. The database enforces what it can (foreign
keys, checks, the one-open-attempt index); these rules cover what spans columns or tables, and
what a broken copy (a file copied while it was written, a partial restore) would show:

- an open attempt carries no grade, a closed one (submitted or expired) carries all of it
  (``submitted_at``, ``score``, ``percent``, ``passed``) and a score on every item;
- ``passed`` agrees with ``percent`` and the attempt's ``pass_mark``;
- every item belongs to an attempt that exists;
- a completion that names an attempt names an existing, closed attempt of the same trainee;
- a certificate belongs to an existing, approved completion of the same trainee.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.certificates.models import Certificate, Completion, CompletionStatus
from app.quiz.models import Attempt, AttemptItem, AttemptStatus

OPEN = AttemptStatus.IN_PROGRESS
CLOSED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)


@dataclass(frozen=True)
class Rule:
    code: str
    table: str
    message: str
    query: Callable[[], sa.Select[tuple[object]]]
    """Selects the id of every row of ``table`` that breaks the rule."""


@dataclass(frozen=True)
class Problem:
    code: str
    table: str
    row_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.row_id}: {self.message} ({self.code})"


def _open_attempt_graded() -> sa.Select[tuple[object]]:
    return sa.select(Attempt.id).where(
        Attempt.status == OPEN,
        sa.or_(
            Attempt.submitted_at.is_not(None),
            Attempt.score.is_not(None),
            Attempt.percent.is_not(None),
            Attempt.passed.is_not(None),
        ),
    )


def _closed_attempt_ungraded() -> sa.Select[tuple[object]]:
    return sa.select(Attempt.id).where(
        Attempt.status.in_(CLOSED),
        sa.or_(
            Attempt.submitted_at.is_(None),
            Attempt.score.is_(None),
            Attempt.percent.is_(None),
            Attempt.passed.is_(None),
        ),
    )


def _pass_flag_wrong() -> sa.Select[tuple[object]]:
    return sa.select(Attempt.id).where(
        Attempt.passed.is_not(None),
        Attempt.percent.is_not(None),
        Attempt.passed != (Attempt.percent >= Attempt.pass_mark),
    )


def _closed_item_unscored() -> sa.Select[tuple[object]]:
    return (
        sa.select(AttemptItem.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.status.in_(CLOSED), AttemptItem.score.is_(None))
    )


def _item_without_attempt() -> sa.Select[tuple[object]]:
    return (
        sa.select(AttemptItem.id)
        .outerjoin(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.id.is_(None))
    )


def _completion_attempt_wrong() -> sa.Select[tuple[object]]:
    return (
        sa.select(Completion.id)
        .outerjoin(Attempt, Attempt.id == Completion.attempt_id)
        .where(
            Completion.attempt_id.is_not(None),
            sa.or_(
                Attempt.id.is_(None),
                Attempt.user_id != Completion.user_id,
                Attempt.status == OPEN,
            ),
        )
    )


def _certificate_completion_wrong() -> sa.Select[tuple[object]]:
    completion = aliased(Completion)
    return (
        sa.select(Certificate.id)
        .outerjoin(completion, completion.id == Certificate.completion_id)
        .where(
            sa.or_(
                completion.id.is_(None),
                completion.user_id != Certificate.user_id,
                completion.status != CompletionStatus.APPROVED,
            )
        )
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "open_attempt_graded",
        "attempts",
        "in progress, yet it has a submission time, score or pass flag",
        _open_attempt_graded,
    ),
    Rule(
        "closed_attempt_ungraded",
        "attempts",
        "submitted or expired without its submission time, score, percent or pass flag",
        _closed_attempt_ungraded,
    ),
    Rule(
        "pass_flag_wrong",
        "attempts",
        "the pass flag disagrees with the percent and the pass mark",
        _pass_flag_wrong,
    ),
    Rule(
        "closed_attempt_item_unscored",
        "attempt_items",
        "an item of a submitted or expired attempt has no score",
        _closed_item_unscored,
    ),
    Rule(
        "item_without_attempt",
        "attempt_items",
        "the item's attempt does not exist",
        _item_without_attempt,
    ),
    Rule(
        "completion_attempt_wrong",
        "completions",
        "the completion's attempt is missing, still open, or another trainee's",
        _completion_attempt_wrong,
    ),
    Rule(
        "certificate_completion_wrong",
        "certificates",
        "the certificate's completion is missing, not approved, or another trainee's",
        _certificate_completion_wrong,
    ),
)


def check(session: Session, rules: tuple[Rule, ...] = RULES) -> list[Problem]:
    """Every row that breaks one of ``rules``, in rule order (an empty list: all hold).

    Read-only; safe to run on a live database (each rule is one SELECT).
    """
    problems: list[Problem] = []
    for rule in rules:
        for row_id in session.scalars(rule.query()):
            problems.append(Problem(rule.code, rule.table, str(row_id), rule.message))
    return problems
