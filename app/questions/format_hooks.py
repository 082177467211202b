"""The ``formats`` facet: what a question type contributes to each import/export format.

A type's ``formats.py`` registers one :class:`FormatHooks` per format it supports::

    registry.register(TYPE, formats={"gift": FormatHooks(...), "moodle-xml": ..., "qti": ...})

The format modules (``app/banks/formats/gift.py``, ``moodle_xml.py``, ``qti.py``) keep the
framing: reading the file, categories, keys, tags, stems and general feedback, errors, media.
For the part of a question that depends on its type they dispatch through the registry:

Reading
    The format finds the candidate types of a source question by the format's own name for it
    (``names``: Moodle's ``<question type="…">``, a QTI interaction element; GIFT has no
    names: every type with a ``gift`` reader is a candidate). Candidates are tried by ascending
    ``priority`` (then registration order); the first whose ``detect`` accepts the question
    (or that has no ``detect``) reads it. ``read(ctx, source, data)`` adds the type's fields to
    ``data`` (a dict that already holds ``key``, ``title``, ``stem``, ``explanation``, ``tags``,
    ``references``), sets ``data["type"]``, and returns True; or it reports why the question
    cannot be imported (``ctx.skip(reason)``, or ``ctx.problem(message)`` for a syntax error)
    and returns False. ``ctx.warning(message)`` notes what was imported with a loss.

Writing
    ``cannot_write(question)`` says why a question of the type cannot be written (or None);
    ``write(ctx, question)`` writes the type's part. A type without ``write`` is reported as
    not exportable in that format. Writers name the type with ``names[0]``.

``source`` and ``ctx`` are the format's own (documented in each format module, and below):

========== ================================================ =====================================
format     read(ctx, source, data)                          write(ctx, question)
========== ================================================ =====================================
gift       source: the answer block (text between ``{}``,   returns the lines of the answer
           escapes protected, stripped); ctx: ``GiftRead``  block; ctx: ``GiftWrite``
moodle-xml source: the ``<question>`` element; ctx:        adds children to ``ctx.element``;
           ``MoodleRead``                                   ctx: ``MoodleWrite``
qti        source: the interaction element; ctx:            returns ``QtiItem``; ctx: ``QtiWrite``
           ``QtiRead`` (``ctx.declaration``, ``template``)
========== ================================================ =====================================

``detect(ctx, source)`` receives the same ``ctx`` and ``source`` as ``read``.
Pure: no Flask, no SQLAlchemy; imports nothing of the application.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FULL_CREDIT = 100.0  # a weight or fraction, in percent, that gives full marks
EPSILON = 0.05  # weights closer than this (in percent points) are equal


@dataclass(frozen=True)
class FormatHooks:
    """One question type's conversion in one format (see the module docstring)."""

    names: tuple[str, ...] = ()
    read: Callable[[Any, Any, dict[str, Any]], bool] | None = None
    detect: Callable[[Any, Any], bool] | None = None
    write: Callable[[Any, Any], Any] | None = None
    cannot_write: Callable[[Any], str | None] | None = None
    priority: int = 50

    def accepts(self, ctx: Any, source: Any) -> bool:
        """Whether this type reads ``source`` (true without a ``detect``)."""
        return self.read is not None and (self.detect is None or self.detect(ctx, source))

    def refusal(self, question: Any) -> str | None:
        """Why ``question`` cannot be written by ``write``, or None."""
        return self.cannot_write(question) if self.cannot_write else None


@dataclass(frozen=True)
class GiftAnswer:
    """One ``=``/``~`` answer of a GIFT answer block, escapes still protected.

    ``text`` and ``feedback`` (after ``#``) are raw: pass them through ``ctx.text`` (formatted,
    escapes restored) or ``ctx.plain`` (escapes restored only).
    """

    marker: str  # "=", "~" or "" (no marker)
    weight: float | None  # from a leading %w%, else None
    text: str
    feedback: str
    raw: str  # everything after the marker and the weight

    def credit(self, default: float) -> float:
        return self.weight if self.weight is not None else default


@dataclass(frozen=True)
class QtiItem:
    """What a type writes into a QTI item: the response declaration, the interaction (both
    XML text) and the response-processing template's name."""

    declaration: str
    interaction: str
    template: str = "match_correct"


# ---------------------------------------------------------------- helpers shared by types


def option_ids(n: int) -> list[str]:
    """a, b, c ... z, then o27, o28 ..."""
    return [chr(ord("a") + i) if i < 26 else f"o{i + 1}" for i in range(n)]


def choice_options(rows: list[tuple[str, bool, str]]) -> list[dict[str, Any]]:
    """Options ``a``, ``b``... from (text, correct, feedback) rows."""
    return [
        {"id": i, "text": text, "correct": correct, "feedback": feedback}
        for i, (text, correct, feedback) in zip(option_ids(len(rows)), rows, strict=True)
    ]


def is_full(weight: float) -> bool:
    return abs(weight - FULL_CREDIT) < EPSILON


def finite(value: str | None) -> float | None:
    """A finite float from text, or None."""
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def percent(weights: list[float]) -> str:
    """``33%, 33.3333%`` for messages."""
    return ", ".join(f"{w:g}%" for w in weights)
