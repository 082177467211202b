"""What a regrade changes, as plain data (pure: no Flask, no database).

A ``Plan`` lists every attempt whose score or pass/fail changes (with the items that change)
and every completion whose eligibility changes, with what applying will do to it:

- ``flag``: an active completion no longer earned is flagged for review (never revoked);
- ``unflag``: a completion an earlier regrade flagged is earned again;
- ``record``: a trainee who now passes gets a completion (pending, or approved and issued
  at once when the program has no review, as after any graded attempt);
- ``none``: eligibility changes but nothing is stored (e.g. a rejected completion).

The dry run shows the plan; applying stores exactly it, and the page applies only the plan
whose ``digest`` the administrator saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

FLAG = "flag"
UNFLAG = "unflag"
RECORD = "record"
NONE = "none"


@dataclass(frozen=True)
class ItemChange:
    item_id: int
    position: int
    before: float | None
    after: float


@dataclass(frozen=True)
class AttemptChange:
    attempt_id: int
    user_id: int
    email: str
    module: str
    attempt_no: int
    score_before: float | None
    score_after: float
    percent_before: float | None
    percent_after: float
    passed_before: bool | None
    passed_after: bool
    items: tuple[ItemChange, ...] = ()

    @property
    def pass_changed(self) -> bool:
        return bool(self.passed_before) != self.passed_after


@dataclass(frozen=True)
class CompletionChange:
    user_id: int
    email: str
    program: str
    completion_id: int | None  # None: none yet (``record`` makes one)
    status: str  # the completion's status, or "" when there is none
    renewal: bool
    eligible_before: bool
    eligible_after: bool
    action: str
    certificate: str = ""  # the serial of its current certificate, if any
    missing: tuple[str, ...] = ()  # modules no longer passed (for a flag)
    attempt_id: int | None = None  # the attempt a ``record`` cites (now passed)


@dataclass(frozen=True)
class Plan:
    question: str
    version_no: int
    checked: int  # graded attempt items of the question that were rescored
    open_attempts: int  # attempts still open with the question (graded at submit)
    attempts: tuple[AttemptChange, ...] = ()
    completions: tuple[CompletionChange, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.attempts and not any(c.action != NONE for c in self.completions)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def digest(self) -> str:
        """A fingerprint of what applying would change (the page applies only the plan the
        administrator saw)."""
        body = {k: v for k, v in self.as_dict().items() if k not in ("checked", "open_attempts")}
        raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(raw.encode()).hexdigest()

    def users(self) -> list[int]:
        """The trainees whose attempts change, in order of first appearance."""
        return list(dict.fromkeys(a.user_id for a in self.attempts))


def passed_modules(
    attempts: Iterable[tuple[int, str, bool | None]], overrides: Mapping[int, bool] | None = None
) -> set[str]:
    """Module slugs with a passed attempt, from (attempt id, module slug, passed) rows, with
    ``overrides`` (attempt id -> passed after the regrade) applied."""
    overrides = overrides or {}
    return {slug for aid, slug, passed in attempts if overrides.get(aid, bool(passed))}


def completion_action(
    *,
    exists: bool,
    flagged: bool,
    eligible_before: bool,
    eligible_after: bool,
) -> str:
    """What applying does to one (trainee, program, cycle) whose eligibility changed."""
    if exists and not eligible_after:
        return NONE if flagged else FLAG
    if exists and eligible_after:
        return UNFLAG if flagged else NONE
    if eligible_after and not eligible_before:
        return RECORD
    return NONE


def flag_text(question: str, version_no: int, date: str, missing: Sequence[str]) -> str:
    """The flag a reviewer reads on the completion."""
    what = ", ".join(missing) if missing else "the renewal module"
    return (
        f"Regrade of question {question} (version {version_no}) on {date}: no longer earned "
        f"(not passed any more: {what}). The certificate is not revoked; decide here."
    )
