"""Short answer in GIFT, Moodle XML and QTI 3.0: typed text compared with accepted answers.

GIFT: any answer block no other type claims (``{=a =b}``, ``{answer}``): the 100% answers are
kept, the others dropped with a warning; case sensitivity travels in our
``// case-sensitive: true`` comment, and an answer must not contain ``->`` (it would read back
as matching). Moodle XML: ``shortanswer`` (``usecase``, the 100% answers). QTI: a string text
entry (``map_response`` for several answers).
"""

from __future__ import annotations

from typing import Any

from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import EPSILON, FULL_CREDIT, FormatHooks, QtiItem

TYPE = "short_answer"
_SENSITIVE = "case-sensitive"


def gift_read(ctx: Any, body: str, data: dict[str, Any]) -> bool:
    lead, answers = ctx.answers(body)
    if lead.strip():
        answers.insert(0, ctx.answer("", lead))
    accepted, dropped, feedback = [], [], False
    for a in answers:
        weight = a.credit(FULL_CREDIT)
        text = ctx.text(a.text)
        if a.feedback.strip():
            feedback = True
        if abs(weight - FULL_CREDIT) < EPSILON:
            accepted.append(text)
        else:
            dropped.append(f"{text!r} ({weight:g}%)")
    if not accepted:
        ctx.skip(gettext("short answer without a 100% answer"))
        return False
    if dropped:
        ctx.warning(
            gettext("answers other than 100%% dropped: %(answers)s", answers=", ".join(dropped))
        )
    if feedback:
        ctx.warning(gettext("per-answer feedback dropped (short-answer questions have none)"))
    sensitive = (ctx.comment(_SENSITIVE) or "").lower() in ("true", "1", "yes")
    data.update(type=TYPE, answers=accepted, case_sensitive=sensitive)
    return True


def gift_write(ctx: Any, q: Any) -> list[str]:
    if q.case_sensitive:
        ctx.comment(_SENSITIVE, "true")
    return [f"={ctx.answer(a)}" for a in q.answers]


def gift_cannot_write(q: Any) -> str | None:
    if any("->" in a for a in q.answers):
        return "a short answer contains '->', which GIFT would read as a matching question"
    return None


def moodle_read(ctx: Any, el: Any, data: dict[str, Any]) -> bool:
    accepted, dropped, feedback = [], [], False
    for fraction, text, fb, _ in ctx.answers(el):
        if abs(fraction - 100) <= EPSILON:
            accepted.append(text)
        else:
            dropped.append(f"{text!r} ({fraction:g}%)")
        feedback = feedback or bool(fb)
    if dropped:
        ctx.warning(
            gettext("answers other than 100%% dropped: %(answers)s", answers=", ".join(dropped))
        )
    if feedback:
        ctx.warning(gettext("per-answer feedback dropped (short-answer questions have none)"))
    data.update(type=TYPE, answers=accepted, case_sensitive=ctx.flag(el.findtext("usecase")))
    return True


def moodle_write(ctx: Any, q: Any) -> None:
    el = ctx.element
    ctx.sub(el, "usecase", "1" if q.case_sensitive else "0")
    for answer in q.answers:
        a = ctx.rich(el, "answer", answer, "moodle_auto_format")
        a.set("fraction", "100")
        ctx.rich(a, "feedback", "")


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    correct = ctx.accepted()
    if correct is None:
        return False
    entries = ctx.map_entries()
    sensitive = all(ctx.flag(e.get(_SENSITIVE), True) for e in entries) if entries else True
    data.update(type=TYPE, answers=correct, case_sensitive=sensitive)
    return True


def qti_write(ctx: Any, q: Any) -> QtiItem:
    sensitive = str(q.case_sensitive).lower()
    entries = "".join(
        f'<qti-map-entry map-key={ctx.attr(a)} mapped-value="1" {_SENSITIVE}="{sensitive}"/>'
        for a in q.answers
    )
    mapping = f'<qti-mapping default-value="0">{entries}</qti-mapping>'
    return QtiItem(
        ctx.response("single", "string", [q.answers[0]], mapping),
        '<p><qti-text-entry-interaction response-identifier="RESPONSE"/></p>',
        template="map_response",
    )


registry.register(
    TYPE,
    formats={
        # No detect: the answer blocks that no other type recognises (tried last).
        "gift": FormatHooks(
            read=gift_read, write=gift_write, cannot_write=gift_cannot_write, priority=90
        ),
        "moodle-xml": FormatHooks(names=("shortanswer",), read=moodle_read, write=moodle_write),
        "qti": FormatHooks(names=("qti-text-entry-interaction",), read=qti_read, write=qti_write),
    },
)
