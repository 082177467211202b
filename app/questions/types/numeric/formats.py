"""Numeric in GIFT, Moodle XML and QTI 3.0: one answer with a tolerance and a unit.

GIFT: ``{#5:0.5}``, ``{#5}``, ``{#1..5}`` (midpoint and half-width), ``{#=5:0 =%50%5:2}``: the
first 100% answer is kept, the others are dropped with a warning; as in Moodle, everything
from the first ``~`` is the feedback for any other answer (``{#3:2~#Wrong}``), dropped with a
warning. The unit travels in our ``// unit:`` comment. Moodle XML: ``numerical`` (first 100%
answer, ``tolerance``, the unit with multiplier 1). QTI: a float or integer text entry with
tolerance 0 and no unit (anything else needs custom response processing: not exported).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import EPSILON, FULL_CREDIT, FormatHooks, QtiItem, finite

TYPE = "numeric"


def _spec(text: str) -> tuple[float, float] | None:
    """(value, tolerance) of ``v``, ``v:tolerance`` or ``low..high``, or None."""
    text = text.strip()
    try:
        if ".." in text:
            low_s, _, high_s = text.partition("..")
            low, high = sorted([Decimal(low_s.strip()), Decimal(high_s.strip())])
            value, tolerance = float((low + high) / 2), float((high - low) / 2)
        elif ":" in text:
            value_s, _, tol_s = text.partition(":")
            value, tolerance = float(value_s), abs(float(tol_s))
        else:
            value, tolerance = float(text), 0.0
    except (ValueError, ArithmeticError):
        return None
    if not (math.isfinite(value) and math.isfinite(tolerance)):
        return None
    return value, tolerance


def _gift_answers(ctx: Any, body: str) -> list[Any]:
    """The answers of a numeric block (after its ``#``), read as Moodle reads them.

    Everything from the first ``~`` is the feedback for any other answer (``{#3:2~#Wrong}``);
    the rest holds one answer, or several each introduced by ``=``.
    """
    main, tilde, wrong = body.strip().partition("~")
    parts = main.split("=")
    if len(parts) > 1 and not parts[0].strip():
        parts = parts[1:]
    answers = [ctx.answer("=", part) for part in parts]
    if tilde:
        answers.append(ctx.answer("~", wrong))
    return answers


def gift_detect(ctx: Any, body: str) -> bool:
    return body.startswith("#")


def gift_read(ctx: Any, body: str, data: dict[str, Any]) -> bool:
    chosen: tuple[float, float] | None = None
    dropped, feedback = [], False
    for a in _gift_answers(ctx, body[1:]):
        if a.marker == "~":
            if a.text.strip() or a.feedback.strip():
                dropped.append(f"wrong-answer feedback {ctx.plain(a.raw).strip()!r}")
            continue
        spec = _spec(ctx.plain(a.text))
        if spec is None:
            ctx.problem(
                gettext(
                    "not a number, range or number:tolerance: %(answer)s",
                    answer=repr(ctx.plain(a.text).strip()),
                )
            )
            return False
        weight = a.credit(FULL_CREDIT)
        if a.feedback.strip():
            feedback = True
        if abs(weight - FULL_CREDIT) < EPSILON and chosen is None:
            chosen = spec
        else:
            dropped.append(f"{ctx.plain(a.text).strip()} ({weight:g}%)")
    if chosen is None:
        ctx.skip(gettext("numeric question without a 100% answer"))
        return False
    if dropped:
        ctx.warning(
            gettext(
                "numeric answers dropped (only the first 100%% answer is kept): %(answers)s",
                answers=", ".join(dropped),
            )
        )
    if feedback:
        ctx.warning(gettext("per-answer feedback dropped (numeric questions have none)"))
    unit = ctx.comment("unit") or ""
    data.update(type=TYPE, answer=chosen[0], tolerance=chosen[1], unit=unit)
    return True


def gift_write(ctx: Any, q: Any) -> list[str]:
    if q.unit:
        ctx.comment("unit", q.unit)
    return [f"#{ctx.number(q.answer)}:{ctx.number(q.tolerance)}"]


def moodle_read(ctx: Any, el: Any, data: dict[str, Any]) -> bool:
    chosen: tuple[float, float] | None = None
    dropped, feedback = [], False
    for fraction, text, fb, a in ctx.answers(el):
        value = finite(text)
        tolerance = finite(a.findtext("tolerance")) or 0.0
        feedback = feedback or bool(fb)
        if chosen is None and value is not None and abs(fraction - 100) <= EPSILON:
            chosen = (value, abs(tolerance))
        else:
            dropped.append(f"{text!r} ({fraction:g}%)")
    if chosen is None:
        ctx.skip(gettext("numerical question without a 100% numeric answer"))
        return False
    if dropped:
        ctx.warning(
            gettext(
                "numeric answers dropped (only the first 100%% answer is kept): %(answers)s",
                answers=", ".join(dropped),
            )
        )
    if feedback:
        ctx.warning(gettext("per-answer feedback dropped (numeric questions have none)"))
    unit = ""
    units = el.findall("units/unit")
    for u in units:
        if finite(u.findtext("multiplier")) == 1.0:
            unit = (u.findtext("unit_name") or "").strip()
            break
    if len(units) > 1:
        ctx.warning(gettext("only the base unit (multiplier 1) is kept"))
    data.update(type=TYPE, answer=chosen[0], tolerance=chosen[1], unit=unit)
    return True


def moodle_write(ctx: Any, q: Any) -> None:
    el = ctx.element
    a = ctx.rich(el, "answer", repr(q.answer), "moodle_auto_format")
    a.set("fraction", "100")
    ctx.sub(a, "tolerance", repr(q.tolerance))
    ctx.rich(a, "feedback", "")
    units = ctx.sub(el, "units")
    if q.unit:
        unit = ctx.sub(units, "unit")
        ctx.sub(unit, "multiplier", "1")
        ctx.sub(unit, "unit_name", q.unit)
    ctx.sub(el, "unitgradingtype", "0")
    ctx.sub(el, "unitpenalty", "0.1000000")
    ctx.sub(el, "showunits", "3" if not q.unit else "0")
    ctx.sub(el, "unitsleft", "0")


def qti_detect(ctx: Any, inter: Any) -> bool:
    return ctx.declaration.get("base-type", "string") in ("float", "integer")


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    correct = ctx.accepted()
    if correct is None:
        return False
    value = finite(correct[0])
    if value is None:
        ctx.skip(gettext("correct response %(value)s is not a number", value=repr(correct[0])))
        return False
    if len(correct) > 1:
        ctx.warning(gettext("only the first numeric answer is kept"))
    data.update(type=TYPE, answer=value, tolerance=0.0)
    return True


def qti_cannot_write(q: Any) -> str | None:
    if q.tolerance or q.unit:
        return (
            "a numeric question with a tolerance or a unit "
            "needs custom QTI response processing (not exported)"
        )
    return None


def qti_write(ctx: Any, q: Any) -> QtiItem:
    return QtiItem(
        ctx.response("single", "float", [repr(q.answer)]),
        '<p><qti-text-entry-interaction response-identifier="RESPONSE"/></p>',
    )


registry.register(
    TYPE,
    formats={
        "gift": FormatHooks(detect=gift_detect, read=gift_read, write=gift_write, priority=10),
        "moodle-xml": FormatHooks(names=("numerical",), read=moodle_read, write=moodle_write),
        "qti": FormatHooks(
            names=("qti-text-entry-interaction",),
            detect=qti_detect,
            read=qti_read,
            write=qti_write,
            cannot_write=qti_cannot_write,
            priority=40,  # before the short answers, which read any other text entry
        ),
    },
)
