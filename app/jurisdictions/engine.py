"""Judge a trainee's evidence against a jurisdiction's rule (pure).

``judge(evidence, profile, rule)`` gives the rule's status and every missing piece, named and
quantified ("Supervised sessions: 18 of 25"; "online hours do not count: 6 of your 50 hours
are online"). It reads nothing but its arguments, so the trainee page, the API, the
attestation packet and the property tests all get the same answer.

What counts:
- hours: verified entries only, never in a mode the rule excludes; a rule's ``within_months``
  means that the counted hours fall within one period of that many months (the best such
  period is taken: "all within 12 months");
- sessions: approved ones, under a supervisor who meets the rule's supervisor conditions
  when it has some, within one period likewise;
- years licensed: from the licence date to the evidence's date.

Status: ``not_met`` when a confirmed requirement is missing; otherwise ``unconfirmed`` when the
answer rests on a figure marked [verify] (``rule.unconfirmed``) or on a condition only the body
can confirm (``requirements.conditions``: an authorisation, a roster, an approved course);
otherwise ``met``. More
evidence can only move a rule from not met towards met (``tests/jurisdictions``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from app.jurisdictions.professions import label as profession_label
from app.jurisdictions.schema import JurisdictionRule, Practice
from app.requirements.evidence import (
    AREA_LABELS,
    MODE_LABELS,
    Evidence,
    HoursEntry,
    LogbookSession,
    SessionStatus,
)

T = TypeVar("T")


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class SupervisorRecord:
    """A supervisor's recorded dry needling experience."""

    years: float
    sessions: int


@dataclass(frozen=True)
class Profile:
    """What the engine needs to know about the trainee beyond the evidence."""

    profession: str
    licensed_since: date | None = None
    supervisors: Mapping[str, SupervisorRecord] = field(default_factory=dict)


@dataclass(frozen=True)
class Gap:
    kind: str  # years_licensed, hours, hours_mode, hours_area, sessions, practical, profession
    needed: float
    have: float
    message: str
    unconfirmed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "needed": _plain(self.needed),
            "have": _plain(self.have),
            "message": self.message,
        }


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    status: Status
    missing: tuple[Gap, ...]
    notes: tuple[str, ...]  # what the rule also says that evidence cannot show
    relies_on_unconfirmed: bool


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 1)


def _fmt(value: float) -> str:
    return str(_plain(value))


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def best_window(
    items: Sequence[T], when: Callable[[T], date], weight: Callable[[T], float], months: int | None
) -> float:
    """The largest total weight of items falling within one period of ``months`` months
    (all of them when ``months`` is None)."""
    if months is None:
        return sum(weight(i) for i in items)
    ordered = sorted(items, key=when)
    best = 0.0
    for start, first in enumerate(ordered):
        end = add_months(when(first), months)
        total = sum(weight(i) for i in ordered[start:] if when(i) < end)
        best = max(best, total)
    return best


def years_between(start: date, end: date) -> float:
    if end <= start:
        return 0.0
    whole = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    anniversary = add_months(start, 12 * whole)
    return whole + (end - anniversary).days / 365.25


# ---------------------------------------------------------------- the checks


def _years(rule: JurisdictionRule, profile: Profile, evidence: Evidence) -> Iterable[Gap]:
    needed = rule.requirements.years_licensed
    if needed is None:
        return
    have = years_between(profile.licensed_since, evidence.as_of) if profile.licensed_since else 0
    if have < needed:
        why = "" if profile.licensed_since else " (your licence date is not recorded)"
        yield Gap(
            "years_licensed", needed, have,
            f"Years licensed: {_fmt(have)} of {_fmt(needed)}{why}",
            rule.is_unconfirmed("years_licensed"),
        )  # fmt: skip


def _counted_hours(rule: JurisdictionRule, evidence: Evidence) -> list[HoursEntry]:
    hours = rule.requirements.hours
    excluded = set(hours.excluded_modes) if hours else set()
    return [h for h in evidence.hours if h.verified and h.mode not in excluded]


def _excluded_note(rule: JurisdictionRule, evidence: Evidence) -> str:
    hours = rule.requirements.hours
    if hours is None or not hours.excluded_modes:
        return ""
    verified = [h for h in evidence.hours if h.verified]
    present = [m for m in hours.excluded_modes if any(h.mode == m for h in verified)]
    if not present:
        return ""
    left_out = sum(h.hours for h in verified if h.mode in present)
    total = sum(h.hours for h in verified)
    labels = [MODE_LABELS[m] for m in present]
    return (
        f"; {' and '.join(labels)} hours do not count here: {_fmt(left_out)} of your "
        f"{_fmt(total)} hours are {' or '.join(labels)}"
    )


def _hours(rule: JurisdictionRule, evidence: Evidence) -> Iterable[Gap]:
    hours = rule.requirements.hours
    if hours is None:
        return
    counted = _counted_hours(rule, evidence)
    months = hours.within_months
    window = f" within {months} months" if months else ""

    def total_of(entries: list[HoursEntry]) -> float:
        return best_window(entries, lambda h: h.on, lambda h: h.hours, months)

    unsure_window = rule.is_unconfirmed("hours.within_months")
    if hours.total is not None:
        have = total_of(counted)
        if have < hours.total:
            yield Gap(
                "hours", hours.total, have,
                f"Hours: {_fmt(have)} of {_fmt(hours.total)}{window}"
                f"{_excluded_note(rule, evidence)}",
                rule.is_unconfirmed("hours.total") or unsure_window,
            )  # fmt: skip
    for mode, needed in hours.by_mode.items():
        have = total_of([h for h in counted if h.mode == mode])
        if have < needed:
            yield Gap(
                "hours_mode", needed, have,
                f"{MODE_LABELS[mode].capitalize()} hours: {_fmt(have)} of {_fmt(needed)}{window}",
                rule.is_unconfirmed("hours.by_mode") or unsure_window,
            )  # fmt: skip
    for area, needed in hours.by_area.items():
        have = total_of([h for h in counted if h.content_area == area])
        if have < needed:
            yield Gap(
                "hours_area", needed, have,
                f"{AREA_LABELS[area].capitalize()} hours: {_fmt(have)} of {_fmt(needed)}{window}",
                rule.is_unconfirmed("hours.by_area") or unsure_window,
            )  # fmt: skip


def _supervisor_ok(rule: JurisdictionRule, profile: Profile, session: LogbookSession) -> bool:
    conditions = rule.requirements.sessions and rule.requirements.sessions.supervisor
    if not conditions:
        return True
    record = profile.supervisors.get(session.supervisor)
    if record is None:
        return False
    if conditions.min_years is not None and record.years < conditions.min_years:
        return False
    return conditions.min_sessions is None or record.sessions >= conditions.min_sessions


def _sessions(rule: JurisdictionRule, profile: Profile, evidence: Evidence) -> Iterable[Gap]:
    sessions = rule.requirements.sessions
    if sessions is None:
        return
    approved = [s for s in evidence.sessions if s.status == SessionStatus.APPROVED]
    counted = [s for s in approved if _supervisor_ok(rule, profile, s)]
    have = best_window(counted, lambda s: s.on, lambda s: 1, sessions.within_months)
    if have >= sessions.count:
        return
    window = f" within {sessions.within_months} months" if sessions.within_months else ""
    not_counted = len(approved) - len(counted)
    why = (
        f"; {not_counted} of your sessions were under a supervisor who does not meet this "
        "rule's conditions"
        if not_counted
        else ""
    )
    yield Gap(
        "sessions", sessions.count, have,
        f"Supervised sessions: {_fmt(have)} of {sessions.count}{window}{why}",
        any(rule.is_unconfirmed(f"sessions.{f}") for f in ("count", "within_months", "supervisor")),
    )  # fmt: skip


def _practical(rule: JurisdictionRule, evidence: Evidence) -> Iterable[Gap]:
    practical = rule.requirements.practical
    if practical is None:
        return
    if practical.stations:
        have = len(set(practical.stations) & evidence.stations_passed)
        needed = len(practical.stations)
    else:
        have, needed = min(len(evidence.stations_passed), 1), 1
    if have < needed:
        yield Gap(
            "practical", needed, have,
            f"Practical examination: {practical.description} ({have} of {needed} passed)",
            rule.is_unconfirmed("practical"),
        )  # fmt: skip


def _notes(rule: JurisdictionRule) -> tuple[str, ...]:
    req = rule.requirements
    notes: list[str] = []
    if req.regions and req.regions.excluded:
        notes.append(f"Not covered by this authorisation: {', '.join(req.regions.excluded)}")
    if req.regions and req.regions.required:
        notes.append(f"Training must cover: {', '.join(req.regions.required)}")
    if req.temporary:
        notes.append(
            f"Temporary status: {req.temporary.description} "
            f"(expires after {req.temporary.expires_months} months)"
        )
    if req.renewal:
        notes.append(
            f"Renewal: {_fmt(req.renewal.cpd_hours)} CPD hours every "
            f"{req.renewal.period_months} months"
        )
    notes.extend(req.other)
    return tuple(notes)


_NOT_PERMITTED = {
    Practice.PROHIBITED: "Dry needling is not permitted for this profession here",
    Practice.PENDING: "Dry needling is authorised in law, but the rules that allow it are not "
    "yet in force",
}


def judge(evidence: Evidence, profile: Profile, rule: JurisdictionRule) -> RuleResult:
    """The rule's status for this trainee, with every missing piece."""
    gaps: list[Gap] = []
    if profile.profession != rule.profession:
        gaps.append(
            Gap(
                "profession",
                1,
                0,
                f"This rule is for {profession_label(rule.profession).lower()}s",
            )  # fmt: skip
        )
    if rule.practice != Practice.PERMITTED:
        gaps.append(Gap("practice", 1, 0, _NOT_PERMITTED[rule.practice]))
    gaps.extend(_years(rule, profile, evidence))
    gaps.extend(_hours(rule, evidence))
    gaps.extend(_sessions(rule, profile, evidence))
    gaps.extend(_practical(rule, evidence))
    gaps.extend(
        Gap("condition", 1, 0, f"To confirm with the body: {text}", unconfirmed=True)
        for text in rule.requirements.conditions
    )
    relies = bool(rule.unconfirmed)
    if any(not g.unconfirmed for g in gaps):
        status = Status.NOT_MET
    elif gaps or relies:
        status = Status.UNCONFIRMED
    else:
        status = Status.MET
    return RuleResult(rule.id, status, tuple(gaps), _notes(rule), relies)
