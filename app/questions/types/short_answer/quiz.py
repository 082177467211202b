"""Short answer in the quiz: a text field ``text``; right when any accepted pattern matches
(``*`` a wildcard; case-insensitive unless the question says otherwise). Answer and patterns
are normalised alike: Unicode compatibility forms, hyphens and dashes read as spaces, runs of
spaces as one, and punctuation around a word dropped ("Syncope." = "syncope",
"vasovagal-syncope" = "vasovagal syncope"); punctuation inside a word or number stays ("0.5")."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from app.questions import registry
from app.questions.base import ResponseInvalid, form_one, require
from app.questions.facets import QuizFacet
from app.questions.types.short_answer.content import TYPE, ShortAnswer

MAX_TEXT_LENGTH = 1000


_DASHES = re.compile(r"[-\u2010-\u2015\u2212]")
_AROUND = ".,;:!?\"'()[]{}\u2018\u2019\u201c\u201d\u00ab\u00bb"


def _normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    words = _DASHES.sub(" ", text).split()
    return " ".join(w for w in (word.strip(_AROUND) for word in words) if w)


def pattern_matches(pattern: str, text: str, case_sensitive: bool = False) -> bool:
    regex = ".*".join(re.escape(part) for part in _normalise_text(pattern).split("*"))
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(regex, _normalise_text(text), flags) is not None


def validate(q: ShortAnswer, r: Any) -> dict[str, Any]:
    text = require(r, "text")
    if not isinstance(text, str):
        raise ResponseInvalid("response.text", "must be a string")
    if len(text) > MAX_TEXT_LENGTH:
        raise ResponseInvalid("response.text", f"at most {MAX_TEXT_LENGTH} characters")
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
