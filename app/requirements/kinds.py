"""The registry of requirement kinds: each checks its spec and judges ``Evidence`` (pure).

A requirement is a JSON-able dict ``{"kind", "id", "title", …}`` as a program stores it. Its
kind says how to check it (``check``: normalise or raise ``RequirementInvalid`` naming the
field), how to judge it (``evaluate``: a ``Result`` saying what is done and what is missing)
and how it reads on the rule-change page (``show``/``parse``, one line each). Adding a kind
touches this file only.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.i18n import gettext as _
from app.i18n import ngettext
from app.requirements.evidence import (
    AREA_LABELS,
    MODE_LABELS,
    REGIONS,
    ContentArea,
    Evidence,
    Mode,
    SessionStatus,
)

KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
MAX_HOURS = 5000.0
MAX_SESSIONS = 5000
MAX_MONTHS = 600
MAX_STATIONS = 50
MAX_TITLE = 200


class RequirementInvalid(ValueError):
    """A requirement spec that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Result:
    kind: str
    id: str
    title: str
    required: float
    done: float
    met: bool
    missing: str  # "" once met
    next_step: str  # what to do next ("" once met)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "required": _plain(self.required),
            "done": _plain(self.done),
            "met": self.met,
            "missing": self.missing,
        }


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def _fmt(value: float) -> str:
    return f"{_plain(value):g}" if isinstance(_plain(value), float) else str(_plain(value))


# ---------------------------------------------------------------- field checks


def _fail(spec_id: str, field: str, message: str) -> RequirementInvalid:
    return RequirementInvalid(
        _(
            "requirement %(id)s, %(field)s: %(message)s",
            id=repr(spec_id[:40]),
            field=field,
            message=message,
        )
    )


def _key(value: Any, spec_id: str, field: str) -> str:
    if not isinstance(value, str) or not KEY.fullmatch(value):
        raise _fail(
            spec_id,
            field,
            _("%(value)s is not a key (a-z, 0-9, - and _)", value=repr(str(value)[:40])),
        )
    return value


def _count(value: Any, spec_id: str, field: str, high: float, whole: bool) -> float:
    if isinstance(value, float) and whole and value.is_integer():
        value = int(value)
    ok_type = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type):
        raise _fail(spec_id, field, _("a whole number") if whole else _("a number"))
    if not math.isfinite(value) or not 0 < value <= high:
        raise _fail(spec_id, field, _("more than 0 and at most %(high)s", high=f"{high:g}"))
    return value


def _optional_months(spec: Mapping[str, Any], spec_id: str) -> int | None:
    value = spec.get("within_months")
    return None if value is None else int(_count(value, spec_id, "within_months", MAX_MONTHS, True))


def _title(spec: Mapping[str, Any], spec_id: str, default: str) -> str:
    title = spec.get("title") or default
    if not isinstance(title, str) or len(title) > MAX_TITLE or not title.strip():
        raise _fail(spec_id, "title", _("a text of at most %(num)s characters", num=MAX_TITLE))
    return title.strip()


def _choices(value: Any, spec_id: str, field: str, allowed: Sequence[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_STATIONS:
        raise _fail(spec_id, field, _("a list"))
    for item in value:
        if item not in allowed:
            raise _fail(spec_id, field, _one_of(allowed, repr(str(item)[:40])))
    return list(dict.fromkeys(value))


def _one_of(allowed: Sequence[str], value: str | None = None) -> str:
    if value is None:
        return _("one of %(choices)s", choices=", ".join(allowed))
    return _("%(value)s is not one of %(choices)s", value=value, choices=", ".join(allowed))


def _only(spec: Mapping[str, Any], spec_id: str, allowed: set[str]) -> None:
    unknown = set(spec) - allowed - {"kind", "id", "title"}
    if unknown:
        raise _fail(spec_id, sorted(unknown)[0][:40], _("not a field of this kind"))


def _since(evidence: Evidence, months: int | None) -> date | None:
    if months is None:
        return None
    total = evidence.as_of.year * 12 + evidence.as_of.month - 1 - months
    year, month = divmod(total, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(evidence.as_of.day, last_day))


def _window_text(months: int | None) -> str:
    """ " within the last 36 months": an adverbial phrase that translates on its own."""
    if not months:
        return ""
    return " " + ngettext("within the last month", "within the last %(num)s months", months)


# ---------------------------------------------------------------- the kinds


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    check: Callable[[Mapping[str, Any]], dict[str, Any]]
    evaluate: Callable[[Mapping[str, Any], Evidence], Result]
    options: tuple[str, ...]  # the optional fields, in the order the text form shows them
    amount: str  # the field holding the required amount


def _check_module(spec: Mapping[str, Any]) -> dict[str, Any]:
    spec_id = _key(spec.get("id"), str(spec.get("id")), "id")
    _only(spec, spec_id, {"modules"})
    modules = spec.get("modules")
    if not isinstance(modules, list) or not modules:
        raise _fail(spec_id, "modules", _("at least one module slug"))
    slugs = [_key(m, spec_id, "modules") for m in modules]
    return {
        "kind": "module",
        "id": spec_id,
        "title": _title(spec, spec_id, "Modules passed"),
        "modules": list(dict.fromkeys(slugs)),
    }


def _evaluate_module(spec: Mapping[str, Any], evidence: Evidence) -> Result:
    required = list(spec["modules"])
    left = [slug for slug in required if slug not in evidence.modules_passed]
    done = len(required) - len(left)
    titles = ", ".join(evidence.title_of(slug) for slug in left)
    missing = (
        ngettext(
            "%(num)s more to pass: %(titles)s",
            "%(num)s more to pass: %(titles)s",
            len(left),
            titles=titles,
        )
        if left
        else ""
    )
    return Result(
        "module",
        spec["id"],
        spec["title"],
        len(required),
        done,
        not left,
        missing,
        _("Pass %(module)s", module=evidence.title_of(left[0])) if left else "",
    )


def _check_hours(spec: Mapping[str, Any]) -> dict[str, Any]:
    spec_id = _key(spec.get("id"), str(spec.get("id")), "id")
    _only(spec, spec_id, {"hours", "modes", "area", "within_months"})
    area = spec.get("area")
    if area is not None and area not in {a.value for a in ContentArea}:
        raise _fail(spec_id, "area", _one_of([a.value for a in ContentArea]))
    return {
        "kind": "hours",
        "id": spec_id,
        "title": _title(spec, spec_id, "Hours"),
        "hours": float(_count(spec.get("hours"), spec_id, "hours", MAX_HOURS, False)),
        "modes": _choices(spec.get("modes"), spec_id, "modes", [m.value for m in Mode]),
        "area": area,
        "within_months": _optional_months(spec, spec_id),
    }


def _hours_scope(spec: Mapping[str, Any]) -> str:
    parts = []
    if spec.get("area"):
        parts.append(str(AREA_LABELS[ContentArea(spec["area"])]))
    if spec.get("modes"):
        parts.append("/".join(str(MODE_LABELS[Mode(m)]) for m in spec["modes"]))
    return " ".join(parts)


def _evaluate_hours(spec: Mapping[str, Any], evidence: Evidence) -> Result:
    since = _since(evidence, spec.get("within_months"))
    modes, area = set(spec.get("modes") or ()), spec.get("area")
    done = sum(
        e.hours
        for e in evidence.hours
        if e.verified
        and (not modes or e.mode.value in modes)
        and (area is None or (e.content_area is not None and e.content_area.value == area))
        and (since is None or e.on >= since)
    )
    required = float(spec["hours"])
    met = done >= required - 1e-9
    scope = _hours_scope(spec)
    missing, step = "", ""
    if not met and scope:
        missing = _(
            "%(scope)s hours %(done)s of %(required)s",
            scope=scope,
            done=_fmt(done),
            required=_fmt(required),
        )
        step = _("Record %(hours)s more %(scope)s hours", hours=_fmt(required - done), scope=scope)
    elif not met:
        missing = _("hours %(done)s of %(required)s", done=_fmt(done), required=_fmt(required))
        step = _("Record %(hours)s more hours", hours=_fmt(required - done))
    missing += "" if met else _window_text(spec.get("within_months"))
    return Result("hours", spec["id"], spec["title"], required, done, met, missing, step)


def _check_logbook(spec: Mapping[str, Any]) -> dict[str, Any]:
    spec_id = _key(spec.get("id"), str(spec.get("id")), "id")
    _only(spec, spec_id, {"sessions", "region", "within_months"})
    region = spec.get("region")
    if region is not None and region not in REGIONS:
        raise _fail(spec_id, "region", _one_of(REGIONS))
    return {
        "kind": "logbook",
        "id": spec_id,
        "title": _title(spec, spec_id, "Supervised sessions"),
        "sessions": int(_count(spec.get("sessions"), spec_id, "sessions", MAX_SESSIONS, True)),
        "region": region,
        "within_months": _optional_months(spec, spec_id),
    }


def _evaluate_logbook(spec: Mapping[str, Any], evidence: Evidence) -> Result:
    since = _since(evidence, spec.get("within_months"))
    region = spec.get("region")
    counted = [
        s
        for s in evidence.sessions
        if (region is None or s.region == region) and (since is None or s.on >= since)
    ]
    done = sum(1 for s in counted if s.status == SessionStatus.APPROVED)
    waiting = sum(1 for s in counted if s.status == SessionStatus.PENDING)
    required = int(spec["sessions"])
    met = done >= required
    where = f" ({region})" if region else ""
    left = required - done
    missing, step = "", ""
    if not met:
        more = ngettext("%(num)s more supervised session", "%(num)s more supervised sessions", left)
        missing = f"{more}{where}{_window_text(spec.get('within_months'))}"
        if waiting:
            missing += "; " + ngettext(
                "%(num)s waiting for sign-off", "%(num)s waiting for sign-off", waiting
            )
        step = (
            ngettext(
                "Log %(num)s more supervised session", "Log %(num)s more supervised sessions", left
            )
            + where
        )
    return Result("logbook", spec["id"], spec["title"], required, done, met, missing, step)


def _check_practical(spec: Mapping[str, Any]) -> dict[str, Any]:
    spec_id = _key(spec.get("id"), str(spec.get("id")), "id")
    _only(spec, spec_id, {"stations"})
    stations = spec.get("stations")
    if not isinstance(stations, list) or not stations or len(stations) > MAX_STATIONS:
        raise _fail(spec_id, "stations", _("1 to %(num)s station slugs", num=MAX_STATIONS))
    return {
        "kind": "practical",
        "id": spec_id,
        "title": _title(spec, spec_id, "Practical examination"),
        "stations": list(dict.fromkeys(_key(s, spec_id, "stations") for s in stations)),
    }


def _evaluate_practical(spec: Mapping[str, Any], evidence: Evidence) -> Result:
    left = [s for s in spec["stations"] if s not in evidence.stations_passed]
    required = len(spec["stations"])
    missing = _("stations still to pass: %(stations)s", stations=", ".join(left)) if left else ""
    step = _("Pass practical station %(station)s", station=left[0]) if left else ""
    return Result(
        "practical",
        spec["id"],
        spec["title"],
        required,
        required - len(left),
        not left,
        missing,
        step,
    )


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("module", "modules passed", _check_module, _evaluate_module, (), "modules"),
        Kind(
            "hours",
            "hours",
            _check_hours,
            _evaluate_hours,
            ("modes", "area", "within_months", "title"),
            "hours",
        ),
        Kind(
            "logbook",
            "logbook sessions",
            _check_logbook,
            _evaluate_logbook,
            ("region", "within_months", "title"),
            "sessions",
        ),
        Kind(
            "practical",
            "practical stations",
            _check_practical,
            _evaluate_practical,
            ("title",),
            "stations",
        ),
    )
}

# Kinds a program lists in its ``requirements`` (modules come from its module list).
LISTED_KINDS = ("hours", "logbook", "practical")


def check(spec: Any) -> dict[str, Any]:
    """One requirement, normalised; ``RequirementInvalid`` naming the field."""
    if not isinstance(spec, Mapping):
        raise RequirementInvalid(_("requirement: a mapping with kind and id"))
    kind = KINDS.get(spec.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        raise RequirementInvalid(
            _(
                "requirement kind %(kind)s: %(choices)s",
                kind=repr(str(spec.get("kind"))[:40]),
                choices=_one_of(list(KINDS)),
            )
        )
    return kind.check(spec)


def check_listed(specs: Any) -> list[dict[str, Any]]:
    """A program's listed requirements (hours, logbook, practical), ids unique."""
    if specs is None:
        return []
    if not isinstance(specs, list) or len(specs) > MAX_STATIONS:
        raise RequirementInvalid(_("requirements: a list of at most %(num)s", num=MAX_STATIONS))
    checked = [check(s) for s in specs]
    for spec in checked:
        if spec["kind"] not in LISTED_KINDS:
            raise RequirementInvalid(
                _(
                    "requirement %(id)s: a program lists %(kinds)s (its modules are its "
                    "module list)",
                    id=repr(spec["id"]),
                    kinds=", ".join(LISTED_KINDS),
                )
            )
    ids = [s["id"] for s in checked]
    if len(set(ids)) != len(ids):
        raise RequirementInvalid(_("requirements: an id is listed twice"))
    return checked


def evaluate(spec: Mapping[str, Any], evidence: Evidence) -> Result:
    return KINDS[spec["kind"]].evaluate(spec, evidence)


def scope_problem(scope_regions: Sequence[str], listed: Sequence[Mapping[str, Any]]) -> str | None:
    """A credential scoped to the thorax needs a practical examination among the requirements
    (a thorax station in it: the UK's insurers exclude thoracic needling without one)."""
    if "thoracic" in scope_regions and not any(s.get("kind") == "practical" for s in listed):
        return _(
            "scope: a credential covering the thoracic region needs a practical requirement "
            "(with a thorax station)"
        )
    return None
