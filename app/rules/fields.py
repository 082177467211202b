"""The rules a rule change may touch, and their validation: pure (no Flask, no database).

A module's rules and a program's rules are what decides who is certified (issue 12). Each
field has a typed value (as the model's column holds it, JSON-able), a text form for the
studio's proposal page, and a check: ``check`` normalises a typed value or raises
``ValidationFailed`` naming the field; ``parse`` reads the page's text. Whole-rule checks
(a module draws something, a program's final exam is one of its modules) come last.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.banks.schema import Difficulty, ReviewPolicy
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.requirements import kinds as requirement_kinds
from app.requirements import text as requirement_text
from app.requirements.evidence import REGIONS

MODULE = "module"
PROGRAM = "program"
KINDS = (MODULE, PROGRAM)

KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
MAX_TEXT = 5000  # characters of one field's text on the proposal page
MAX_ROWS = 50  # blueprint rows, case draws, a program's modules
MAX_COUNT = 500  # questions or cases one row draws
MAX_ATTEMPTS = 100
MAX_MINUTES = 24 * 60
MAX_COOLDOWN_HOURS = 365 * 24
MAX_VALIDITY_MONTHS = 600
MAX_CE_HOURS = 1000.0
ANY = "any"


def _fail(label: str, message: str) -> ValidationFailed:
    """``label: message``: the field's label (lazy, translated) and why its value is refused."""
    return ValidationFailed(_("%(name)s: %(why)s", name=label, why=message))


# ---------------------------------------------------------------- typed checks


def _number(value: Any, label: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(label, _("a number"))
    if not math.isfinite(value) or not low <= value <= high:
        raise _fail(label, _("a number from %(low)s to %(high)s", low=f"{low:g}", high=f"{high:g}"))
    return float(value)


def _integer(value: Any, label: str, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(label, _("a whole number from %(low)s to %(high)s", low=low, high=high))
    return value


def _optional_integer(low: int, high: int) -> Callable[[Any, str], int | None]:
    def check(value: Any, label: str) -> int | None:
        return None if value is None else _integer(value, label, low, high)

    return check


def _key(value: Any, label: str) -> str:
    if not isinstance(value, str) or not KEY.fullmatch(value):
        raise _fail(
            label, _("%(value)s is not a key (a-z, 0-9, - and _)", value=repr(str(value)[:80]))
        )
    return value


def _optional_key(value: Any, label: str) -> str | None:
    return None if value is None else _key(value, label)


def _rows(value: Any, label: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(label, _("one row a line, its parts separated by commas, as shown"))
    if len(value) > MAX_ROWS:
        raise _fail(label, _("at most %(max)s rows", max=MAX_ROWS))
    return value


def _blueprint(value: Any, label: str) -> list[dict[str, Any]]:
    rows = []
    for row in _rows(value, label):
        if not isinstance(row, Mapping) or set(row) - {"topic", "difficulty", "count"}:
            raise _fail(label, _("each row has a topic, a difficulty (or none) and a count"))
        difficulty = row.get("difficulty")
        if difficulty is not None and difficulty not in {d.value for d in Difficulty}:
            raise _fail(
                label,
                _(
                    "difficulty %(value)s is not one of easy, medium, hard",
                    value=repr(str(difficulty)[:20]),
                ),
            )
        rows.append(
            {
                "topic": _key(row.get("topic"), label),
                "difficulty": difficulty,
                "count": _integer(row.get("count"), label, 1, MAX_COUNT),
            }
        )
    return rows


def _case_draws(value: Any, label: str) -> list[dict[str, Any]]:
    rows = []
    for row in _rows(value, label):
        if not isinstance(row, Mapping) or set(row) - {"topic", "count"}:
            raise _fail(label, _("each row has a topic (or none) and a count"))
        rows.append(
            {
                "topic": _optional_key(row.get("topic"), label),
                "count": _integer(row.get("count"), label, 1, MAX_COUNT),
            }
        )
    return rows


def _review_policy(value: Any, label: str) -> str:
    if value not in {p.value for p in ReviewPolicy}:
        raise _fail(label, _("one of %(values)s", values=", ".join(p.value for p in ReviewPolicy)))
    return str(value)


def _bool(value: Any, label: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(label, _("yes or no"))
    return value


def _module_list(value: Any, label: str) -> list[str]:
    slugs = [_key(v, label) for v in _rows(value, label)]
    if not slugs:
        raise _fail(label, _("at least one module"))
    if len(set(slugs)) != len(slugs):
        raise _fail(label, _("a module is listed twice"))
    return slugs


def _requirements(value: Any, label: str) -> list[dict[str, Any]]:
    if isinstance(value, str):  # the page's text did not parse: say why
        raise _fail(label, value[:300])
    try:
        return requirement_kinds.check_listed(value)
    except requirement_kinds.RequirementInvalid as exc:
        raise _fail(label, str(exc)) from None


def _regions(value: Any, label: str) -> list[str]:
    regions = _rows(value, label)
    for region in regions:
        if region not in REGIONS:
            raise _fail(
                label,
                _(
                    "%(value)s is not one of %(choices)s",
                    value=repr(str(region)[:40]),
                    choices=", ".join(REGIONS),
                ),
            )
    return list(dict.fromkeys(regions))


def _parse_requirements(text: str) -> Any:
    try:
        return requirement_text.parse_lines(text)
    except requirement_kinds.RequirementInvalid as exc:
        return str(exc)  # not a list: the check names the field and shows the message


# ---------------------------------------------------------------- text of the page


def _text_number(text: str) -> Any:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def _text_integer(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"[+-]?\d{1,12}", text) else text


def _text_lines(text: str) -> list[list[str]]:
    return [
        [part.strip() for part in line.split(",")]
        for line in text.replace("\r", "").split("\n")
        if line.strip()
    ]


def _parse_blueprint(text: str) -> Any:
    rows: list[Any] = []
    for parts in _text_lines(text):
        if len(parts) != 3:
            return "bad"
        topic, difficulty, count = parts
        rows.append(
            {
                "topic": topic,
                "difficulty": None if difficulty == ANY else difficulty,
                "count": _text_integer(count),
            }
        )
    return rows


def _parse_case_draws(text: str) -> Any:
    rows: list[Any] = []
    for parts in _text_lines(text):
        if len(parts) != 2:
            return "bad"
        rows.append(
            {"topic": None if parts[0] == ANY else parts[0], "count": _text_integer(parts[1])}
        )
    return rows


def _show_blueprint(rows: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r['topic']}, {r.get('difficulty') or ANY}, {r['count']}" for r in rows)


def _show_case_draws(rows: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r.get('topic') or ANY}, {r['count']}" for r in rows)


def _show_plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_yes_no(text: str) -> Any:
    return {"yes": True, "no": False}.get(text.strip().lower(), text)


def _parse_slugs(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[,\n]", text) if s.strip()]


def _parse_optional(text: str) -> str | None:
    return text.strip() or None


# ---------------------------------------------------------------- the fields


@dataclass(frozen=True)
class Field:
    name: str
    label: Any  # lazy_gettext: read in the interface's language
    check: Callable[[Any, str], Any]
    parse: Callable[[str], Any] = _text_number
    show: Callable[[Any], str] = _show_plain
    multiline: bool = False
    hint: Any = ""  # lazy_gettext, or "" for none


MODULE_FIELDS: tuple[Field, ...] = (
    Field("pass_mark", _l("Pass mark (%)"), lambda v, lb: _number(v, lb, 0, 100)),
    Field(
        "blueprint",
        _l("Blueprint"),
        _blueprint,
        _parse_blueprint,
        _show_blueprint,
        True,
        _l("one row a line: topic, difficulty (easy, medium, hard or any), count"),
    ),
    Field(
        "case_draws",
        _l("Case draws"),
        _case_draws,
        _parse_case_draws,
        _show_case_draws,
        True,
        _l("one row a line: topic (or any), count"),
    ),
    Field(
        "attempt_limit",
        _l("Attempt limit"),
        _optional_integer(1, MAX_ATTEMPTS),
        _text_integer,
        hint=_l("empty: unlimited"),
    ),
    Field(
        "cooldown_hours",
        _l("Cooldown between attempts (hours)"),
        lambda v, lb: _number(v, lb, 0, MAX_COOLDOWN_HOURS),
    ),
    Field(
        "review_policy",
        _l("Review policy"),
        _review_policy,
        str.strip,
        hint=_l("score, correctness or full"),
    ),
    Field(
        "time_limit_minutes",
        _l("Time limit (minutes)"),
        _optional_integer(1, MAX_MINUTES),
        _text_integer,
        hint=_l("empty: untimed"),
    ),
)

PROGRAM_FIELDS: tuple[Field, ...] = (
    Field(
        "module_slugs",
        _l("Required modules"),
        _module_list,
        _parse_slugs,
        lambda v: "\n".join(v),
        True,
        _l("one module slug a line, in order"),
    ),
    Field(
        "final_exam_slug",
        _l("Final exam"),
        _optional_key,
        _parse_optional,
        hint=_l("one of the required modules; empty: none"),
    ),
    Field(
        "requires_review", _l("Completions need an administrator's review"), _bool, _parse_yes_no
    ),
    Field(
        "validity_months",
        _l("Validity (months)"),
        lambda v, lb: _integer(v, lb, 1, MAX_VALIDITY_MONTHS),
        _text_integer,
    ),
    Field("ce_hours", _l("CE hours"), lambda v, lb: _number(v, lb, 0, MAX_CE_HOURS)),
    Field(
        "renewal_module_slug",
        _l("Renewal module"),
        _optional_key,
        _parse_optional,
        hint=_l("empty: none"),
    ),
    Field(
        "renewal_cpd_hours",
        _l("CPD hours to renew"),
        lambda v, lb: _number(v, lb, 0, MAX_CE_HOURS),
        hint=_l("verified hours after the certificate's issue; 0: none"),
    ),
    Field(
        "requirements",
        _l("Hours, logbook and practical requirements"),
        _requirements,
        _parse_requirements,
        requirement_text.show_lines,
        True,
        _l(
            "one a line: kind, id, amount, option=value … (docs/practical.md), e.g. "
            "hours, psychomotor, 10, area=psychomotor, modes=in_person"
        ),
    ),
    Field(
        "supervisor_min_months",
        _l("Supervisor's dry-needling experience (months)"),
        lambda v, lb: _integer(v, lb, 0, MAX_VALIDITY_MONTHS),
        _text_integer,
    ),
    Field(
        "supervisor_min_sessions",
        _l("Supervisor's dry-needling sessions"),
        lambda v, lb: _integer(v, lb, 0, 100_000),
        _text_integer,
    ),
    Field(
        "scope_regions",
        _l("Credential scope (body regions)"),
        _regions,
        _parse_slugs,
        lambda v: "\n".join(v),
        True,
        _l("one region a line: %(regions)s; empty: no scope", regions=", ".join(REGIONS)),
    ),
)

FIELDS = {MODULE: MODULE_FIELDS, PROGRAM: PROGRAM_FIELDS}


def fields_of(kind: str) -> tuple[Field, ...]:
    if kind not in FIELDS:
        raise ValidationFailed(_("kind: one of %(values)s", values=", ".join(KINDS)))
    return FIELDS[kind]


def check(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The typed values, normalised (``ValidationFailed`` naming the first bad field)."""
    known = {f.name: f for f in fields_of(kind)}
    unknown = set(values) - set(known)
    if unknown:
        name = sorted(unknown)[0][:40]
        if kind == MODULE:
            raise ValidationFailed(_("%(name)s: not a rule of a module", name=name))
        raise ValidationFailed(_("%(name)s: not a rule of a program", name=name))
    return {name: known[name].check(value, known[name].label) for name, value in values.items()}


def _same_text(a: str, b: str) -> bool:
    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]

    return lines(a) == lines(b)


def parse(kind: str, form: Mapping[str, str], current: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose text on the page differs from the current values', checked and typed
    (a field left as shown is not re-checked: only what the proposal changes is)."""
    shown = show(kind, current)
    raw: dict[str, Any] = {}
    for f in fields_of(kind):
        text = form.get(f.name)
        if text is None or _same_text(text, shown.get(f.name, "")):
            continue
        if len(text) > MAX_TEXT:
            raise _fail(f.label, _("at most %(max)s characters", max=MAX_TEXT))
        raw[f.name] = f.parse(text)
    return changed(current, check(kind, raw))


def show(kind: str, values: Mapping[str, Any]) -> dict[str, str]:
    """Each field's text for the page."""
    return {f.name: f.show(values[f.name]) for f in fields_of(kind) if f.name in values}


def check_whole(kind: str, values: Mapping[str, Any]) -> None:
    """Rules that tie fields together, on the target's values once the change is made."""
    if kind == MODULE and not values["blueprint"] and not values["case_draws"]:
        raise ValidationFailed(_("Blueprint: a module must draw at least one question or case."))
    if kind == PROGRAM:
        final = values["final_exam_slug"]
        if final is not None and final not in values["module_slugs"]:
            raise ValidationFailed(_("Final exam: must be one of the required modules."))
        problem = requirement_kinds.scope_problem(
            values.get("scope_regions") or [], values.get("requirements") or []
        )
        if problem:
            raise ValidationFailed(problem[0].upper() + problem[1:] + ".")


def changed(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> dict[str, Any]:
    """The proposed values that differ from the current ones."""
    return {name: value for name, value in proposed.items() if current.get(name) != value}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-level diff for the audit log: ``{field: {"before": …, "after": …}}``."""
    return {name: {"before": before.get(name), "after": after[name]} for name in sorted(after)}


def above_chance(pass_mark: float, guessing_rate: float) -> None:
    """A pass mark must be above the score of a candidate guessing on every item."""
    if pass_mark <= guessing_rate:
        raise ValidationFailed(
            _(
                "A pass mark of %(mark)s %% is not above the guessing rate of this exam's "
                "items (%(rate)s %%): a candidate answering at random would pass.",
                mark=f"{pass_mark:.2f}",
                rate=f"{guessing_rate:.2f}",
            )
        )


def guessing_rate(chance_scores: list[float]) -> float:
    """The expected percentage score of a candidate guessing on every item (equal weights)."""
    if not chance_scores:
        return 0.0
    return 100.0 * sum(chance_scores) / len(chance_scores)
