"""Single choice in GIFT, Moodle XML and QTI 3.0: one correct option.

GIFT: a block with ``~`` answers and exactly one 100% answer (negative weights of wrong
answers are dropped); other weights are skipped with the reason. Moodle XML: ``multichoice``
with ``<single>true``. QTI: a single-cardinality choice interaction.
"""

from __future__ import annotations

from typing import Any

from app.i18n import gettext
from app.questions import choice_formats, registry
from app.questions.format_hooks import EPSILON, FormatHooks, is_full, percent

TYPE = "single_choice"


def gift_detect(ctx: Any, body: str) -> bool:
    return "~" in body


def gift_read(ctx: Any, body: str, data: dict[str, Any]) -> bool:
    weighted = ctx.choices(body)
    weights = [w for _, w in weighted]
    positive = [w for w in weights if w > 0]
    if len(positive) == 1 and is_full(positive[0]):
        data.update(type=TYPE, options=choice_formats.gift_options(ctx, weighted))
        if any(w < 0 for w in weights):
            ctx.warning(
                gettext(
                    "negative weights of wrong answers dropped (a single-answer "
                    "question scores 0 for a wrong answer)"
                )
            )
        return True
    if not positive:
        ctx.skip(gettext("no answer has a positive weight: no correct answer"))
    elif all(is_full(w) for w in positive):
        ctx.skip(
            gettext(
                "%(n)s answers are each worth 100%% (any one of them "
                "scores full marks): no equivalent question type",
                n=len(positive),
            )
        )
    else:
        ctx.skip(
            gettext(
                "partial-credit weights (%(weights)s) have no equivalent: a "
                "single-answer question needs one 100%% answer, a multiple-response one "
                "positive weights adding up to 100%%",
                weights=percent(positive),
            )
        )
    return False


def gift_write(ctx: Any, q: Any) -> list[str]:
    return [
        f"{'=' if o.correct else '~'}{ctx.answer(o.text)}{ctx.feedback(o.feedback)}"
        for o in q.options
    ]


def moodle_detect(ctx: Any, el: Any) -> bool:
    return ctx.flag(el.findtext("single"), default=True)


def moodle_read(ctx: Any, el: Any, data: dict[str, Any]) -> bool:
    fractions = choice_formats.moodle_options(ctx, el, data)
    positive = [f for f in fractions if f > 0]
    if len(positive) != 1 or abs(positive[0] - 100) > EPSILON:
        ctx.skip(
            gettext(
                "single-answer question with partial-credit or several "
                "correct answers (%(weights)s): no equivalent",
                weights=percent(positive) or gettext("none"),
            )
        )
        return False
    data["type"] = TYPE
    if any(f < 0 for f in fractions):
        ctx.warning(gettext("negative fractions of wrong answers dropped"))
    return True


def moodle_write(ctx: Any, q: Any) -> None:
    choice_formats.moodle_write(ctx, q, single=True)


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    return choice_formats.qti_read(TYPE, ctx, inter, data)


def qti_write(ctx: Any, q: Any) -> Any:
    return choice_formats.qti_write(ctx, q, single=True)


registry.register(
    TYPE,
    formats={
        "gift": FormatHooks(detect=gift_detect, read=gift_read, write=gift_write, priority=31),
        "moodle-xml": FormatHooks(
            names=("multichoice",), detect=moodle_detect, read=moodle_read, write=moodle_write
        ),
        "qti": FormatHooks(
            names=("qti-choice-interaction",),
            detect=choice_formats.qti_single,
            read=qti_read,
            write=qti_write,
        ),
    },
)
