"""What every question type builds on: the shared pydantic base and the response helpers.

Pure: no Flask, no SQLAlchemy, nothing of a domain. ``app.banks.schema`` re-exports the
content names (``QuestionBase``, ``Status``, ``Difficulty``, ...) for the rest of the app; the
type packages under ``app/questions/types/`` import them from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.i18n import gettext as _
from app.questions.registry import QuestionType

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,79}$"
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
NonEmpty = Annotated[str, Field(min_length=1)]


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class CognitiveLevel(StrEnum):
    """What an item asks of the trainee (issue 14): remember a fact, apply it to a patient and a
    setting, or analyse a situation with several findings to weigh."""

    RECALL = "recall"
    APPLICATION = "application"
    ANALYSIS = "analysis"


class Use(StrEnum):
    """Where an item may be served: practice (keys shown on check) or exam (key never shown
    to a trainee). An item is one or the other, never both (issue 12)."""

    PRACTICE = "practice"
    EXAM = "exam"


# An item that does not say its use is an exam item: forgetting the field can then never put
# a key in front of a trainee; the cost is a practice module short of items, which the bank
# lint reports (the opposite mistake would leak keys silently). See docs/bank-formats.md.
DEFAULT_USE = Use.EXAM


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


class QuestionBase(Strict):
    """Fields every question has, whatever its type.

    A type's model narrows ``type`` to ``Literal["<id>"]`` (the discriminator); after
    validation it holds a :class:`QuestionType` (a ``str`` that also answers ``.value``).
    """

    key: Key
    type: str
    topic: Key | None = None  # defaults to the file's topic
    status: Status = Status.DRAFT
    difficulty: Difficulty = Difficulty.MEDIUM
    use: Use = DEFAULT_USE  # a case's steps take the case's use
    objective: Key | None = None
    cognitive_level: CognitiveLevel | None = None
    tags: list[Key] = Field(default_factory=list)
    title: str = ""
    stem: NonEmpty
    explanation: str = ""
    references: list[NonEmpty] = Field(min_length=1)
    reviewer_notes: str = ""  # authoring notes for reviewers; never shown to a trainee
    as_of: date | None = None  # a rule-dependent item: the date its rule was checked
    review_by: date | None = None  # ... and when it must be checked again (lint warns after)

    @model_validator(mode="after")
    def _type_id(self) -> QuestionBase:
        if not isinstance(self.type, QuestionType):
            object.__setattr__(self, "type", QuestionType(self.type))
        return self


class ChoiceOption(Strict):
    """An option of a choice question (single choice, multiple response)."""

    id: Key
    text: NonEmpty
    correct: bool = False
    feedback: str = ""
    reviewer_notes: str = ""  # never shown to a trainee


#: Reviewer-facing metadata (issue 14). When empty they are left out of content hashes, so adding
#: the fields did not give every existing question a new version.
REVIEW_METADATA_FIELDS = frozenset({"reviewer_notes", "cognitive_level", "as_of", "review_by"})


def drop_empty_review_metadata(data: Any) -> Any:
    """``data`` (a model dump) without empty reviewer metadata, at any depth."""
    if isinstance(data, dict):
        return {
            k: drop_empty_review_metadata(v)
            for k, v in data.items()
            if not (k in REVIEW_METADATA_FIELDS and v in ("", None))
        }
    if isinstance(data, list):
        return [drop_empty_review_metadata(v) for v in data]
    return data


def unique_ids(items: list[Any], field: str) -> None:
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise ValueError(_("%(field)s: ids must be unique within the question", field=field))


# ---------------------------------------------------------------- responses


class ResponseInvalid(ValueError):
    """A response that does not have the shape its question type needs."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class AnswerInvalid(ValueError):
    """The answer form cannot become a response (a message for the trainee)."""


def require(response: Any, field: str) -> Any:
    """The one field of a canonical response (``{field: value}``, nothing else)."""
    if not isinstance(response, dict):
        raise ResponseInvalid("response", _("must be an object"))
    if field not in response:
        raise ResponseInvalid(f"response.{field}", _("required"))
    extra = set(response) - {field}
    if extra:
        raise ResponseInvalid(f"response.{sorted(extra)[0]}", _("unknown field"))
    return response[field]


def number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ResponseInvalid(field, _("must be a finite number"))
    return float(value)


def real_id(opaque: Any, table: Mapping[str, str], field: str) -> str:
    """The question's id behind an opaque id of the attempt's display."""
    if not isinstance(opaque, str) or opaque not in table:
        raise ResponseInvalid(field, _("not an option of this question"))
    return table[opaque]


def lookup(display: Mapping[str, Any], part: str) -> dict[str, str]:
    """opaque id -> question id, for one part of a display (``options``, ``regions``...)."""
    return dict(display.get(part, []))


def reverse(display: Mapping[str, Any], part: str) -> dict[str, str]:
    """question id -> opaque id, for one part of a display."""
    return {real: opaque for opaque, real in display.get(part, [])}


def id_list_converters(key: str) -> tuple[Any, Any]:
    """``to_canonical`` and ``to_display`` for a response holding a list of option ids under
    ``key`` (multiple response's ``choices``, ordering's ``order``)."""

    def to_canonical(q: Any, display: Any, r: Any) -> Any:
        if isinstance(r.get(key), list):
            options = lookup(display, "options")
            return {**r, key: [real_id(c, options, f"response.{key}") for c in r[key]]}
        return r

    def to_display(q: Any, display: Any, r: dict[str, Any]) -> dict[str, Any]:
        back = reverse(display, "options")
        return {key: [back.get(c) for c in r[key]]}

    return to_canonical, to_display


def form_one(form: Mapping[str, Any], name: str) -> str:
    """One posted field, stripped ("" when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_many(form: Any, name: str) -> list[str]:
    """Every non-empty value posted under ``name``."""
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else [form.get(name)]
    return [v for v in values if isinstance(v, str) and v]
