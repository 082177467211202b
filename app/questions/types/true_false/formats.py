"""True/false in GIFT, Moodle XML and QTI 3.0.

GIFT: ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}`` with ``#wrong-answer feedback#right-answer
feedback`` (Moodle's order). Moodle XML: ``truefalse`` with ``true``/``false`` answers. QTI: a
single choice interaction whose two choices are ``true`` and ``false``.
"""

from __future__ import annotations

import re
from typing import Any

from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import FormatHooks, QtiItem

TYPE = "true_false"
_GIFT = re.compile(r"^(T|TRUE|F|FALSE)\s*(#|$)", re.I | re.S)
_FEEDBACK_INLINE = "qti-feedback-inline"


def gift_detect(ctx: Any, body: str) -> bool:
    return bool(_GIFT.match(body))


def gift_read(ctx: Any, body: str, data: dict[str, Any]) -> bool:
    bits = body.split("#", 2)
    answer = bits[0].strip().upper() in ("T", "TRUE")
    wrong = ctx.text(bits[1]) if len(bits) > 1 else ""
    right = ctx.text(bits[2]) if len(bits) > 2 else ""
    data.update(type=TYPE, answer=answer)
    # Moodle: the first feedback is shown for the wrong answer, the second for the right one.
    data["feedback_true"], data["feedback_false"] = (right, wrong) if answer else (wrong, right)
    return True


def gift_write(ctx: Any, q: Any) -> list[str]:
    right, wrong = (
        (q.feedback_true, q.feedback_false) if q.answer else (q.feedback_false, q.feedback_true)
    )
    feedback = f"#{ctx.answer(wrong)}#{ctx.answer(right)}" if (right or wrong) else ""
    return [f"{'TRUE' if q.answer else 'FALSE'}{feedback}"]


def moodle_read(ctx: Any, el: Any, data: dict[str, Any]) -> bool:
    answer = None
    data.update(type=TYPE, feedback_true="", feedback_false="")
    for fraction, text, feedback, _ in ctx.answers(el):
        value = text.strip().lower()
        if value not in ("true", "false"):
            ctx.skip(
                gettext("true/false answer %(answer)s is neither true nor false", answer=repr(text))
            )
            return False
        data[f"feedback_{value}"] = feedback
        if fraction > 0:
            answer = value == "true"
    if answer is None:
        ctx.skip(gettext("true/false question without a correct answer"))
        return False
    data["answer"] = answer
    return True


def moodle_write(ctx: Any, q: Any) -> None:
    for value, feedback in (("true", q.feedback_true), ("false", q.feedback_false)):
        a = ctx.rich(ctx.element, "answer", value, "moodle_auto_format")
        a.set("fraction", "100" if q.answer == (value == "true") else "0")
        ctx.rich(a, "feedback", feedback)


def qti_detect(ctx: Any, inter: Any) -> bool:
    if ctx.declaration.get("cardinality", "single") != "single":
        return False
    choices = inter.findall("qti-simple-choice")
    texts = [ctx.content(c, frozenset({_FEEDBACK_INLINE})).lower() for c in choices]
    ids = [ctx.ident(c) for c in choices]
    return sorted(ids) == ["false", "true"] and sorted(texts) == ["false", "true"]


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    choices = inter.findall("qti-simple-choice")
    correct = ctx.keyed([ctx.ident(c) for c in choices])
    if correct is None:
        return False
    feedback = {
        ctx.ident(c): next((ctx.content(f) for f in c.findall(_FEEDBACK_INLINE)), "")
        for c in choices
    }
    data.update(
        type=TYPE,
        answer="true" in correct,
        feedback_true=feedback["true"],
        feedback_false=feedback["false"],
    )
    return True


def qti_write(ctx: Any, q: Any) -> QtiItem:
    decl = ctx.response("single", "identifier", ["true" if q.answer else "false"])
    choices = "".join(
        f'<qti-simple-choice identifier="{v}">{v.title()}'
        + (
            f'<{_FEEDBACK_INLINE} outcome-identifier="FEEDBACK" identifier="{v}" '
            f'show-hide="show">{ctx.escape(fb)}</{_FEEDBACK_INLINE}>'
            if fb
            else ""
        )
        + "</qti-simple-choice>"
        for v, fb in (("true", q.feedback_true), ("false", q.feedback_false))
    )
    interaction = (
        '<qti-choice-interaction response-identifier="RESPONSE" shuffle="false" '
        f'max-choices="1">{choices}</qti-choice-interaction>'
    )
    return QtiItem(decl, interaction)


registry.register(
    TYPE,
    formats={
        "gift": FormatHooks(detect=gift_detect, read=gift_read, write=gift_write, priority=20),
        "moodle-xml": FormatHooks(names=("truefalse",), read=moodle_read, write=moodle_write),
        "qti": FormatHooks(
            names=("qti-choice-interaction",),
            detect=qti_detect,
            read=qti_read,
            write=qti_write,
            priority=10,  # before the choice types, which would read it as two options
        ),
    },
)
