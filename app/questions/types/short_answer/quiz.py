"""Short answer in the quiz: a text field ``text``; right when any accepted pattern matches
(``pattern_matches`` of the content model: ``*`` a wildcard, case-insensitive unless the
question says otherwise, spaces, dashes and punctuation around words normalised)."""

from __future__ import annotations

from typing import Any

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import ResponseInvalid, form_one, require
from app.questions.facets import QuizFacet
from app.questions.types.short_answer.content import TYPE, ShortAnswer, pattern_matches

MAX_TEXT_LENGTH = 1000


def validate(q: ShortAnswer, r: Any) -> dict[str, Any]:
    text = require(r, "text")
    if not isinstance(text, str):
        raise ResponseInvalid("response.text", _("must be a string"))
    if len(text) > MAX_TEXT_LENGTH:
        raise ResponseInvalid("response.text", _("at most %(n)s characters", n=MAX_TEXT_LENGTH))
    return {"text": text}


def score(q: ShortAnswer, r: dict[str, Any]) -> float:
    return 1.0 if any(pattern_matches(p, r["text"], q.case_sensitive) for p in q.answers) else 0.0


def key(q: ShortAnswer) -> dict[str, Any]:
    return {"text": q.answers[0].replace("*", "")}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    text = form_one(form, "text")
    return {"text": text} if text else None


def feedback_view(q: ShortAnswer, display: Any, response: Any) -> dict[str, Any]:
    return {"key_text": ", ".join(q.answers)}  # the accepted patterns


registry.register(
    TYPE,
    quiz=QuizFacet(
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        feedback_view=feedback_view,
    ),
)
