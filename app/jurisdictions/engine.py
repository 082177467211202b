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

from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import local_list, ngettext
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
        values = {"have": _fmt(have), "needed": _fmt(needed)}
        text = (
            _("Years licensed: %(have)s of %(needed)s", **values)
            if profile.licensed_since
            else _("Years licensed: %(have)s of %(needed)s (your licence date is not recorded)",
                   **values)
        )  # fmt: skip
        yield Gap(
            "years_licensed", needed, have, text,
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
    labels = [str(MODE_LABELS[m]) for m in present]
    return "; " + _(
        "%(modes)s hours do not count here: %(left_out)s of your %(total)s hours are %(which)s",
        modes=local_list(labels),
        left_out=_fmt(left_out),
        total=_fmt(total),
        which=local_list(labels, "or"),
    )


def _hours(rule: JurisdictionRule, evidence: Evidence) -> Iterable[Gap]:
    hours = rule.requirements.hours
    if hours is None:
        return
    counted = _counted_hours(rule, evidence)
    months = hours.within_months
    window = _window(months)

    def total_of(entries: list[HoursEntry]) -> float:
        return best_window(entries, lambda h: h.on, lambda h: h.hours, months)

    unsure_window = rule.is_unconfirmed("hours.within_months")
    if hours.total is not None:
        have = total_of(counted)
        if have < hours.total:
            yield Gap(
                "hours", hours.total, have,
                _("Hours: %(have)s of %(needed)s", have=_fmt(have), needed=_fmt(hours.total))
                + window + _excluded_note(rule, evidence),
                rule.is_unconfirmed("hours.total") or unsure_window,
            )  # fmt: skip
    for mode, needed in hours.by_mode.items():
        have = total_of([h for h in counted if h.mode == mode])
        if have < needed:
            yield Gap(
                "hours_mode", needed, have,
                _kind_hours(MODE_LABELS[mode], have, needed) + window,
                rule.is_unconfirmed("hours.by_mode") or unsure_window,
            )  # fmt: skip
    for area, needed in hours.by_area.items():
        have = total_of([h for h in counted if h.content_area == area])
        if have < needed:
            yield Gap(
                "hours_area", needed, have,
                _kind_hours(AREA_LABELS[area], have, needed) + window,
                rule.is_unconfirmed("hours.by_area") or unsure_window,
            )  # fmt: skip


def _window(months: int | None) -> str:
    """ " within 36 months": an adverbial phrase that translates on its own."""
    if not months:
        return ""
    return " " + ngettext("within %(num)s month", "within %(num)s months", months)


def _kind_hours(label: object, have: float, needed: float) -> str:
    name = str(label)
    return _(
        "%(kind)s hours: %(have)s of %(needed)s",
        kind=name[:1].upper() + name[1:],
        have=_fmt(have),
        needed=_fmt(needed),
    )


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
    not_counted = len(approved) - len(counted)
    why = "; " + ngettext(
        "%(num)s of your sessions was under a supervisor who does not meet this rule's "
        "conditions",
        "%(num)s of your sessions were under a supervisor who does not meet this rule's "
        "conditions",
        not_counted,
    ) if not_counted else ""  # fmt: skip
    text = _("Supervised sessions: %(have)s of %(needed)s", have=_fmt(have), needed=sessions.count)
    yield Gap(
        "sessions", sessions.count, have,
        text + _window(sessions.within_months) + why,
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
            _("Practical examination: %(description)s (%(have)s of %(needed)s passed)",
              description=practical.description, have=have, needed=needed),
            rule.is_unconfirmed("practical"),
        )  # fmt: skip


def _notes(rule: JurisdictionRule) -> tuple[str, ...]:
    req = rule.requirements
    notes: list[str] = []
    if req.regions and req.regions.excluded:
        notes.append(
            _("Not covered by this authorisation: %(regions)s",
              regions=", ".join(req.regions.excluded))
        )  # fmt: skip
    if req.regions and req.regions.required:
        notes.append(_("Training must cover: %(regions)s", regions=", ".join(req.regions.required)))
    if req.temporary:
        notes.append(
            _("Temporary status: %(description)s (expires after %(months)s months)",
              description=req.temporary.description, months=req.temporary.expires_months)
        )  # fmt: skip
    if req.renewal:
        notes.append(
            _("Renewal: %(hours)s CPD hours every %(months)s months",
              hours=_fmt(req.renewal.cpd_hours), months=req.renewal.period_months)
        )  # fmt: skip
    notes.extend(req.other)
    return tuple(notes)


_NOT_PERMITTED = {
    Practice.PROHIBITED: _l("Dry needling is not permitted for this profession here"),
    Practice.PENDING: _l(
        "Dry needling is authorised in law, but the rules that allow it are not yet in force"
    ),
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
                _(
                    "This rule is for another profession: %(profession)s",
                    profession=profession_label(rule.profession),
                ),
            )  # fmt: skip
        )
    if rule.practice != Practice.PERMITTED:
        gaps.append(Gap("practice", 1, 0, str(_NOT_PERMITTED[rule.practice])))
    gaps.extend(_years(rule, profile, evidence))
    gaps.extend(_hours(rule, evidence))
    gaps.extend(_sessions(rule, profile, evidence))
    gaps.extend(_practical(rule, evidence))
    gaps.extend(
        Gap("condition", 1, 0, _("To confirm with the body: %(text)s", text=text), unconfirmed=True)
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
