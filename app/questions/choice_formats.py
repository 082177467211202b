"""Format hooks shared by the two choice types (one correct option, or several).

Both keep their options as ``{id, text, correct, feedback}`` and differ in the format only by
a flag (Moodle's ``<single>``, QTI's cardinality) and by how wrong options are weighted; each
type's ``formats.py`` passes its identifier and whether it is the single-answer one.
See ``format_hooks.py`` for the contexts. Pure.
"""

from __future__ import annotations

from typing import Any

from app.questions.format_hooks import QtiItem, choice_options

FEEDBACK_INLINE = "qti-feedback-inline"


def gift_options(ctx: Any, weighted: list[tuple[Any, float]]) -> list[dict[str, Any]]:
    """Options from GIFT answers and their weights (positive means correct)."""
    return choice_options([(ctx.text(a.text), w > 0, ctx.text(a.feedback)) for a, w in weighted])


def moodle_options(ctx: Any, el: Any, data: dict[str, Any]) -> list[float]:
    """Put a multichoice question's options and shuffle into ``data``; the answers' fractions
    (a positive one marks a correct option)."""
    answers = ctx.answers(el)
    data.update(
        options=choice_options([(t, f > 0, fb) for f, t, fb, _ in answers]),
        shuffle=ctx.flag(el.findtext("shuffleanswers"), True),
    )
    return [f for f, *_ in answers]


def moodle_write(ctx: Any, q: Any, single: bool) -> None:
    """A multichoice question: right options share 100%; a wrong one is 0 (single answer) or
    minus a right one's share (several answers)."""
    el = ctx.element
    n = sum(o.correct for o in q.options)
    ctx.sub(el, "single", "true" if single else "false")
    ctx.sub(el, "shuffleanswers", "true" if q.shuffle else "false")
    ctx.sub(el, "answernumbering", "abc")
    for o in q.options:
        fraction = 100 / n if o.correct else (0 if single else -100 / n)
        a = ctx.rich(el, "answer", o.text)
        a.set("fraction", ctx.fraction(fraction))
        ctx.rich(a, "feedback", o.feedback)


def qti_single(ctx: Any, inter: Any) -> bool:
    """Whether a choice interaction takes one choice (its declaration's cardinality)."""
    return ctx.declaration.get("cardinality", "single") == "single"


def qti_choices(ctx: Any, inter: Any) -> tuple[list[str], list[dict[str, Any]]] | None:
    """(identifiers, options) of a choice interaction; None when it has no usable key."""
    choices = inter.findall("qti-simple-choice")
    ids = [ctx.ident(c) for c in choices]
    correct = ctx.keyed(ids)
    if correct is None:
        return None
    options = [
        {
            "id": ctx.key_id(ctx.ident(c)),
            "text": ctx.content(c, frozenset({FEEDBACK_INLINE})),
            "correct": ctx.ident(c) in correct,
            "feedback": next((ctx.content(f) for f in c.findall(FEEDBACK_INLINE)), ""),
        }
        for c in choices
    ]
    return ids, options


def qti_read(type_id: str, ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    found = qti_choices(ctx, inter)
    if found is None:
        return False
    data.update(type=type_id, options=found[1], shuffle=ctx.flag(inter.get("shuffle")))
    return True


def qti_write(ctx: Any, q: Any, single: bool) -> QtiItem:
    decl = ctx.response(
        "single" if single else "multiple", "identifier", [o.id for o in q.options if o.correct]
    )
    choices = "".join(
        f"<qti-simple-choice identifier={ctx.attr(o.id)}>{ctx.escape(o.text)}"
        + (
            f'<{FEEDBACK_INLINE} outcome-identifier="FEEDBACK" identifier={ctx.attr(o.id)} '
            f'show-hide="show">{ctx.escape(o.feedback)}</{FEEDBACK_INLINE}>'
            if o.feedback
            else ""
        )
        + "</qti-simple-choice>"
        for o in q.options
    )
    interaction = (
        '<qti-choice-interaction response-identifier="RESPONSE" '
        f'shuffle="{str(q.shuffle).lower()}" '
        f'max-choices="{1 if single else 0}">{choices}</qti-choice-interaction>'
    )
    return QtiItem(decl, interaction)
