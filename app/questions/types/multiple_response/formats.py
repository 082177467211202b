"""Multiple response in GIFT, Moodle XML and QTI 3.0: several correct options, scored right
minus wrong.

GIFT: ``~%w%`` answers whose positive weights add up to 100% (written as right 100/n, wrong
-100/n, with a ``// type: multiple_response`` comment when only one option is right, so that
it does not come back as single choice). Moodle XML: ``multichoice`` with ``<single>false``.
QTI: a multiple-cardinality choice interaction.
"""

from __future__ import annotations

from typing import Any

from app.i18n import gettext
from app.questions import choice_formats, registry
from app.questions.format_hooks import EPSILON, FULL_CREDIT, FormatHooks, percent

TYPE = "multiple_response"


def _marked(ctx: Any) -> bool:
    """Our exporter's ``// type:`` comment for a single correct option."""
    return ctx.comment("type") == TYPE


def gift_detect(ctx: Any, body: str) -> bool:
    if "~" not in body:
        return False
    positive = [w for _, w in ctx.choices(body, warn=False) if w > 0]
    return (
        bool(positive)
        and abs(sum(positive) - FULL_CREDIT) < EPSILON
        and (_marked(ctx) or len(positive) > 1)
    )


def gift_read(ctx: Any, body: str, data: dict[str, Any]) -> bool:
    weighted = ctx.choices(body)
    positive = [w for _, w in weighted if w > 0]
    data.update(type=TYPE, options=choice_formats.gift_options(ctx, weighted))
    if not _marked(ctx) and max(positive) - min(positive) > EPSILON:
        ctx.warning(
            gettext(
                "unequal weights of the correct answers (%(weights)s) become equal: "
                "multiple-response scoring counts right minus wrong",
                weights=percent(positive),
            )
        )
    return True


def gift_write(ctx: Any, q: Any) -> list[str]:
    n = sum(o.correct for o in q.options)
    if n == 1:  # would read back as a single-answer question
        ctx.comment("type", TYPE)
    right, wrong = ctx.weight(100 / n), ctx.weight(-100 / n)
    return [
        f"~%{right if o.correct else wrong}%{ctx.answer(o.text)}{ctx.feedback(o.feedback)}"
        for o in q.options
    ]


def moodle_detect(ctx: Any, el: Any) -> bool:
    return not ctx.flag(el.findtext("single"), default=True)


def moodle_read(ctx: Any, el: Any, data: dict[str, Any]) -> bool:
    positive = [f for f in choice_formats.moodle_options(ctx, el, data) if f > 0]
    if not positive or abs(sum(positive) - 100) > EPSILON:
        ctx.skip(
            gettext(
                "multiple-answer question whose positive fractions (%(weights)s) do not add up "
                "to 100%%: no equivalent",
                weights=percent(positive) or gettext("none"),
            )
        )
        return False
    data["type"] = TYPE
    if max(positive) - min(positive) > EPSILON:
        ctx.warning(gettext("unequal fractions of the correct answers become equal"))
    return True


def moodle_write(ctx: Any, q: Any) -> None:
    choice_formats.moodle_write(ctx, q, single=False)


def qti_detect(ctx: Any, inter: Any) -> bool:
    return not choice_formats.qti_single(ctx, inter)


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    return choice_formats.qti_read(TYPE, ctx, inter, data)


def qti_write(ctx: Any, q: Any) -> Any:
    return choice_formats.qti_write(ctx, q, single=False)


registry.register(
    TYPE,
    formats={
        "gift": FormatHooks(detect=gift_detect, read=gift_read, write=gift_write, priority=30),
        "moodle-xml": FormatHooks(
            names=("multichoice",), detect=moodle_detect, read=moodle_read, write=moodle_write
        ),
        "qti": FormatHooks(
            names=("qti-choice-interaction",), detect=qti_detect, read=qti_read, write=qti_write
        ),
    },
)
