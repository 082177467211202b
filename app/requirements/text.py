"""A requirement as one line of text, for the rule-change page (pure).

``kind, id, amount, option=value, …``: lists join with ``+``, e.g.
``hours, psychomotor, 10, area=psychomotor, modes=in_person+supervised_clinical``,
``logbook, supervised-sessions, 25, within_months=36``, ``practical, osce, thorax+hygiene``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.i18n import gettext as _
from app.requirements import kinds

LIST_FIELDS = {"modes", "stations"}
NUMBER_FIELDS = {"hours", "sessions", "within_months"}


def _value(name: str, text: str) -> Any:
    text = text.strip()
    if name in LIST_FIELDS:
        return [part.strip() for part in text.split("+") if part.strip()]
    if name in NUMBER_FIELDS:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text or None


def parse_line(line: str) -> dict[str, Any]:
    """One line into a spec (unchecked: ``kinds.check`` does that)."""
    parts = [p.strip() for p in line.split(",")]
    if len(parts) < 3:
        raise kinds.RequirementInvalid(
            _("%(line)s: write kind, id, amount and any option=value", line=repr(line.strip()[:60]))
        )
    kind = kinds.KINDS.get(parts[0])
    if kind is None:
        raise kinds.RequirementInvalid(
            _(
                "%(kind)s: one of %(choices)s",
                kind=repr(parts[0][:40]),
                choices=", ".join(kinds.KINDS),
            )
        )
    spec: dict[str, Any] = {"kind": parts[0], "id": parts[1]}
    spec[kind.amount] = _value(kind.amount, parts[2])
    for option in parts[3:]:
        name, sep, value = option.partition("=")
        if not sep or name.strip() not in kind.options:
            raise kinds.RequirementInvalid(
                _(
                    "%(option)s: options of %(kind)s are %(options)s",
                    option=repr(option[:40]),
                    kind=parts[0],
                    options=", ".join(f"{o}=…" for o in kind.options),
                )
            )
        spec[name.strip()] = _value(name.strip(), value)
    return spec


def parse_lines(text: str) -> list[dict[str, Any]]:
    return [parse_line(line) for line in text.replace("\r", "").split("\n") if line.strip()]


def _show_value(value: Any) -> str:
    if isinstance(value, list):
        return "+".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def show_line(spec: Mapping[str, Any]) -> str:
    kind = kinds.KINDS[spec["kind"]]
    parts = [spec["kind"], spec["id"], _show_value(spec[kind.amount])]
    parts += [
        f"{name}={_show_value(spec[name])}"
        for name in kind.options
        if spec.get(name) not in (None, [], "")
    ]
    return ", ".join(parts)


def show_lines(specs: list[Mapping[str, Any]]) -> str:
    return "\n".join(show_line(s) for s in specs)
