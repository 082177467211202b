"""Short answer: the bank model (accepted answers as ``*`` patterns) and how an answer is
matched against them.

Answer and patterns are normalised alike: Unicode compatibility forms, hyphens and dashes read
as spaces, runs of spaces as one, and punctuation around a word dropped ("Syncope." =
"syncope", "vasovagal-syncope" = "vasovagal syncope"); punctuation inside a word or number
stays ("0.5" is not "05")."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import Field

from app.questions import registry
from app.questions.base import NonEmpty, QuestionBase
from app.questions.facets import ContentFacet

TYPE = "short_answer"

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


class ShortAnswer(QuestionBase):
    """Accepted answers as patterns: ``*`` matches any run of characters."""

    type: Literal["short_answer"]
    answers: list[NonEmpty] = Field(min_length=1)
    case_sensitive: bool = False


registry.register(
    TYPE,
    content=ContentFacet(
        model=ShortAnswer,
        label="short answer",
        order=80,
        answers=lambda q: list(q.answers),
        accepts=lambda q, text: any(pattern_matches(p, text, q.case_sensitive) for p in q.answers),
    ),
)
