"""Ordering in Moodle XML and QTI 3.0 (GIFT has no ordering questions).

Moodle XML: ``ordering`` of the qtype_ordering plugin, whose answers' ``fraction`` holds each
item's position (all items are used whatever the ``selecttype``). QTI: an order interaction
whose correct response orders every choice.
"""

from __future__ import annotations

from typing import Any

from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import FormatHooks, QtiItem, finite

TYPE = "ordering"


def moodle_read(ctx: Any, el: Any, data: dict[str, Any]) -> bool:
    answers = ctx.answers(el)
    select = (el.findtext("selecttype") or "ALL").strip().upper()
    if select not in ("ALL", "0"):
        ctx.warning(gettext("selecttype %(select)s: all items are used", select=select))
    # qtype_ordering stores each item's correct position in its fraction.
    positions = [a.get("fraction") for *_, a in answers]
    if all(finite(p) is not None for p in positions) and len(set(positions)) == len(answers):
        answers.sort(key=lambda a: finite(a[3].get("fraction")) or 0.0)
    data.update(type=TYPE, items=[text for _, text, _, _ in answers])
    return True


def moodle_write(ctx: Any, q: Any) -> None:
    el = ctx.element
    ctx.sub(el, "layouttype", "VERTICAL")
    ctx.sub(el, "selecttype", "ALL")
    ctx.sub(el, "selectcount", "0")
    ctx.sub(el, "gradingtype", "ABSOLUTE_POSITION")
    ctx.sub(el, "showgrading", "SHOW")
    ctx.sub(el, "numberingstyle", "none")
    for position, item in enumerate(q.items, start=1):
        a = ctx.rich(el, "answer", item)
        a.set("fraction", f"{position}.0000000")


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    texts = {ctx.ident(c): ctx.content(c) for c in inter.findall("qti-simple-choice")}
    order = ctx.correct()
    if not order or set(order) != set(texts):
        ctx.skip(gettext("the correct response does not order every choice"))
        return False
    data.update(type=TYPE, items=[texts[i] for i in order])
    return True


def qti_write(ctx: Any, q: Any) -> QtiItem:
    ids = q.item_ids()
    choices = "".join(
        f'<qti-simple-choice identifier="{i}">{ctx.escape(t)}</qti-simple-choice>'
        for i, t in zip(ids, q.items, strict=True)
    )
    interaction = (
        '<qti-order-interaction response-identifier="RESPONSE" shuffle="true">'
        f"{choices}</qti-order-interaction>"
    )
    return QtiItem(ctx.response("ordered", "identifier", ids), interaction)


registry.register(
    TYPE,
    formats={
        "moodle-xml": FormatHooks(names=("ordering",), read=moodle_read, write=moodle_write),
        "qti": FormatHooks(names=("qti-order-interaction",), read=qti_read, write=qti_write),
    },
)
