"""Word-level, side-by-side differences between two versions of authored content.

Each version's bank form (the kind's ``dump``: YAML) is read back and flattened into fields
("stem", "options o2 · text", "steps 1 · question · stem"…); a row of a list is named by its
``id`` or ``key`` when it has one (generated option ids are stable, so an option is compared with
itself even when the options were reordered), else by its position. Each field that changed is
compared word by word (difflib on words and the spaces between them): removed words are
wrapped in ``<del>``, added words in ``<ins>``, each with a hidden "removed:"/"added:" so that
the change is not told by colour alone. Everything else is escaped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from markupsafe import Markup, escape

from app.i18n import gettext as _

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: Markup
    after: Markup
    change: str  # "changed" | "added" | "removed"


def _row_name(name: str, index: int, row: Any) -> str:
    if isinstance(row, dict):
        for ident in ("id", "key"):
            if isinstance(row.get(ident), str | int) and row.get(ident) != "":
                return f"{name} {row[ident]}"
    return f"{name} {index + 1}"


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """{"field · subfield": text} of a loaded bank document (lists of scalars joined by lines)."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix} · {key}" if prefix else str(key)))
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        for i, item in enumerate(value):
            out.update(flatten(item, _row_name(prefix, i, item)))
    elif isinstance(value, list):
        out[prefix] = "\n".join("" if v is None else str(v) for v in value)
    else:
        out[prefix] = "" if value is None else str(value)
    return out


def _mark(tag: str, words: list[str]) -> Markup:
    text = "".join(words)
    if not text.strip():
        return escape(text)
    hidden = _("removed:") if tag == "del" else _("added:")
    return Markup('<{0}><span class="visually-hidden">{1} </span>{2}</{0}>').format(
        Markup(tag), hidden, text
    )


def word_diff(before: str, after: str) -> tuple[Markup, Markup]:
    """(before, after) as HTML, removed words in ``<del>`` and added words in ``<ins>``."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    left: list[Markup] = []
    right: list[Markup] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            same = escape("".join(old[a1:a2]))
            left.append(same)
            right.append(same)
            continue
        if a2 > a1:
            left.append(_mark("del", old[a1:a2]))
        if b2 > b1:
            right.append(_mark("ins", new[b1:b2]))
    return Markup("").join(left), Markup("").join(right)


def compare(old: Any, new: Any, dump: Callable[[Any], str]) -> list[FieldDiff]:
    """The fields that differ between two versions (``old`` may be None: all added)."""
    before = flatten(yaml.safe_load(dump(old)) or {}) if old is not None else {}
    after = flatten(yaml.safe_load(dump(new)) or {})
    names = list(after) + [name for name in before if name not in after]
    rows: list[FieldDiff] = []
    for name in names:
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        left, right = word_diff(a or "", b or "")
        rows.append(FieldDiff(name, left, right, change))
    return rows
