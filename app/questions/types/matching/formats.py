"""Matching in GIFT, Moodle XML and QTI 3.0: premises each matched to one answer.

GIFT: ``{=premise -> answer ...}``; ``= -> x`` is a distractor (a premise must not contain
``->``, which GIFT cannot escape). Moodle XML: ``matching`` (what Moodle writes) or ``match``
(its internal name, also read by Moodle), ``<subquestion>``s; an empty one is a distractor.
QTI: a match interaction with two match sets and directed pairs.
"""

from __future__ import annotations

from typing import Any

from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import FormatHooks, QtiItem

TYPE = "matching"


def gift_detect(ctx: Any, body: str) -> bool:
    return "->" in body and body.startswith("=")


def gift_read(ctx: Any, body: str, data: dict[str, Any]) -> bool:
    _lead, answers = ctx.answers(body)
    pairs, distractors = [], []
    for a in answers:
        premise, arrow, answer = a.raw.partition("->")
        if not arrow:
            ctx.problem(
                gettext(
                    "matching answer without '->': %(answer)s",
                    answer=repr(ctx.plain(a.raw).strip()),
                )
            )
            return False
        premise, answer = ctx.text(premise), ctx.text(answer)
        if premise:
            pairs.append({"premise": premise, "answer": answer})
        else:
            distractors.append(answer)
    data.update(type=TYPE, pairs=pairs, distractors=distractors)
    return True


def gift_write(ctx: Any, q: Any) -> list[str]:
    lines = [f"={ctx.answer(p.premise)} -> {ctx.answer(p.answer)}" for p in q.pairs]
    return lines + [f"= -> {ctx.answer(d)}" for d in q.distractors]


def gift_cannot_write(q: Any) -> str | None:
    if any("->" in p.premise for p in q.pairs):
        return "a matching premise contains '->', which GIFT cannot escape"
    return None


def moodle_read(ctx: Any, el: Any, data: dict[str, Any]) -> bool:
    pairs, distractors = [], []
    for sub in el.findall("subquestion"):
        premise = ctx.rich(sub, sub.get("format", "html"))
        answer = ctx.text(sub.find("answer")).strip()
        if premise:
            pairs.append({"premise": premise, "answer": answer})
        elif answer:
            distractors.append(answer)
    data.update(type=TYPE, pairs=pairs, distractors=distractors)
    return True


def moodle_write(ctx: Any, q: Any) -> None:
    el = ctx.element
    ctx.sub(el, "shuffleanswers", "true")
    rows = [(p.premise, p.answer) for p in q.pairs] + [("", d) for d in q.distractors]
    for premise, answer in rows:
        sub = ctx.rich(el, "subquestion", premise)
        ctx.sub(ctx.sub(sub, "answer"), "text", answer)


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    sets = inter.findall("qti-simple-match-set")
    if len(sets) != 2:
        ctx.skip(gettext("a match interaction needs two match sets"))
        return False
    choice = "qti-simple-associable-choice"
    premises = {ctx.ident(c): ctx.content(c) for c in sets[0].findall(choice)}
    answers = {ctx.ident(c): ctx.content(c) for c in sets[1].findall(choice)}
    values = ctx.correct()
    if ctx.template == "map_response" and not values:
        values = [k for k, v in ctx.mapping().items() if v > 0]
    pairs: dict[str, str] = {}
    for value in values:
        bits = value.split()
        if len(bits) != 2 or bits[0] not in premises or bits[1] not in answers:
            ctx.skip(
                gettext(
                    "correct pair %(value)s does not name a premise and an answer",
                    value=repr(value),
                )
            )
            return False
        if bits[0] in pairs:
            ctx.skip(gettext("a premise with two correct answers: no equivalent"))
            return False
        pairs[bits[0]] = bits[1]
    unmatched = [p for p in premises if p not in pairs]
    if unmatched:
        ctx.skip(
            gettext(
                "premises without a correct answer: %(premises)s", premises=", ".join(unmatched)
            )
        )
        return False
    used = set(pairs.values())
    data.update(
        type=TYPE,
        pairs=[{"premise": premises[p], "answer": answers[a]} for p, a in pairs.items()],
        distractors=[t for i, t in answers.items() if i not in used],
    )
    return True


def qti_write(ctx: Any, q: Any) -> QtiItem:
    decl = ctx.response("multiple", "directedPair", [f"{p} {a}" for p, a in q.key_map().items()])
    premises = "".join(
        f'<qti-simple-associable-choice identifier="{pid}" match-max="1">'
        f"{ctx.escape(p.premise)}</qti-simple-associable-choice>"
        for pid, p in zip(q.premise_ids(), q.pairs, strict=True)
    )
    answers = "".join(
        f'<qti-simple-associable-choice identifier="{cid}" match-max="0">{ctx.escape(t)}'
        "</qti-simple-associable-choice>"
        for cid, t in q.answer_choices()
    )
    interaction = (
        f'<qti-match-interaction response-identifier="RESPONSE" shuffle="true" '
        f'max-associations="{len(q.pairs)}"><qti-simple-match-set>{premises}'
        f"</qti-simple-match-set><qti-simple-match-set>{answers}</qti-simple-match-set>"
        "</qti-match-interaction>"
    )
    return QtiItem(decl, interaction)


registry.register(
    TYPE,
    formats={
        "gift": FormatHooks(
            detect=gift_detect,
            read=gift_read,
            write=gift_write,
            cannot_write=gift_cannot_write,
            priority=40,
        ),
        # Moodle writes "matching" (qformat_xml::get_qtype) and reads both spellings.
        "moodle-xml": FormatHooks(
            names=("matching", "match"), read=moodle_read, write=moodle_write
        ),
        "qti": FormatHooks(names=("qti-match-interaction",), read=qti_read, write=qti_write),
    },
)
