"""The shapes of a question type's content and quiz facets (see ``registry.py``).

A type's ``content.py`` registers a :class:`ContentFacet`, its ``quiz.py`` a :class:`QuizFacet`.
Every hook receives the validated question (the type's own pydantic model); hooks that work on
an attempt item also receive its ``display``: the opaque ids in the order shown, a mapping of
part name (``options``, ``premises``, ``regions``...) to ``[[opaque, real], ...]``.
Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.questions.base import QuestionBase

# opaque(part, real_id) -> the opaque id shown for ``real_id`` (random per attempt in the
# quiz, derived from a signed nonce in practice).
Opaque = Callable[[str, str], str]
Display = Mapping[str, Any]
Response = dict[str, Any]


def no_display(question: Any, rng: random.Random, opaque: Opaque) -> dict[str, Any]:
    return {}


def same_response(question: Any, display: Display, response: Any) -> Any:
    return response


def shown_response(question: Any, display: Display, response: Response) -> Response:
    return dict(response)


def nothing(*args: Any) -> dict[str, Any]:
    return {}


def no_image(question: Any) -> str | None:
    return None


def no_choices(question: Any) -> list[Any]:
    return []


def no_value(question: Any) -> Any:
    return None


def no_answers(question: Any) -> list[str]:
    return []


def no_file_problems(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    return []


def no_chance(question: Any) -> float:
    """The default guessing score: a blind answer to an open question (a number, a text)
    practically never earns credit, so 0."""
    return 0.0


@dataclass(frozen=True)
class ContentFacet:
    """What a type's bank content is.

    - ``model``: the pydantic model (``type: Literal["<id>"]``), which validates it.
    - ``label`` and ``order``: how the type is named and where it is listed.
    - ``display(question, rng, opaque)``: the parts a trainee sees in a shuffled order, as
      opaque ids (``{"options": [[opaque, real], ...]}``); ``{}`` when nothing is shuffled.
      Consumes ``rng`` the same way for the same question, so practice can rebuild it.
    - ``image(question)``: the path of the image file the question shows (relative to its
      bank file; in the studio ``<sha256>.<ext>`` of a Media row), or None.
    - ``choices(question)``: the options a trainee chooses among (``ChoiceOption``s), for the
      item-writing checks of ``app/banks/lint.py`` (duplicates, "all of the above");
      ``one_key``: exactly one of them is the key (the "key is the longest" check); a type with
      choices and not ``one_key`` is a multiple-response type (the spread of correct options).
    - For the bank checks of issue 14 (``app/banks/pools.py``, ``app/banks/content_lint.py``):
      ``true_key(question)``: the key of a true/false statement (None for other types);
      ``answers(question)``: accepted short answers, patterns with ``*``, and
      ``accepts(question, text)``: whether a typed answer is accepted (the spelling check);
      ``panel(question)``: an expert panel with ``counts`` and ``source`` (script
      concordance; None for others); ``file_check(raw)``: (field, message) problems of a
      question's mapping as written in a bank file, before validation (a form the model
      still loads from stored versions but a file must no longer use).
    """

    model: type[QuestionBase]
    label: str
    order: int = 100
    display: Callable[[Any, random.Random, Opaque], dict[str, Any]] = no_display
    image: Callable[[Any], str | None] = no_image
    choices: Callable[[Any], list[Any]] = no_choices
    one_key: bool = False
    true_key: Callable[[Any], bool | None] = no_value
    answers: Callable[[Any], list[str]] = no_answers
    accepts: Callable[[Any, str], bool] = lambda question, text: False
    panel: Callable[[Any], Any] = no_value
    file_check: Callable[[Mapping[str, Any]], list[tuple[str, str]]] = no_file_problems


@dataclass(frozen=True)
class AnalysisHooks:
    """What item analysis needs of a type whose options can be counted (distractor analysis).

    ``options(content)`` is ``(option ids, key id)`` from a version's stored content;
    ``choice(response)`` the option a canonical response chose (None if none).
    """

    options: Callable[[Mapping[str, Any]], tuple[tuple[str, ...], str | None]]
    choice: Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class QuizFacet:
    """How a type is answered, scored and shown in the quiz and in practice.

    Canonical responses use the question's own ids; pages and the API use the display's
    opaque ids.

    - ``validate(question, response)``: the canonical response, or ``ResponseInvalid``.
    - ``score(question, response)``: a validated response's score, 0..1.
    - ``key(question)``: a canonical response that earns the full score.
    - ``parse_form(view, form)``: the posted answer form as a response in opaque ids (None
      when left blank, ``AnswerInvalid`` when unusable); reads only the names the answer
      template writes.
    - ``to_canonical(question, display, response)``: opaque ids -> the question's ids
      (``ResponseInvalid`` for an id not shown); ``to_display`` the way back.
    - ``item_view(question, display, media_url)``: the answerable parts of the trainee's view (HTML
      already rendered and sanitised), never anything of the key.
    - ``feedback_view(question, display, response)``: the key and feedback parts, shown only
      when the review policy allows.
    - ``page_view(question, display, response)``: extra view fields only the HTML pages use.
    - ``answer_template``, ``feedback_template``, ``preview_template``: Jinja partials
      (default ``questions/<id>/answer.html`` etc.); ``scripts``: static files the answer
      partial needs (``js/questions/<id>.js``), loaded by the pages that show the type;
      ``styles``: its stylesheets (``css/questions/<id>.css``), loaded by every page (small,
      cached) since previews, results and case steps can show any type.
    - ``analysis``: hooks for distractor analysis, or None when the type has no options to
      count.
    - ``chance_score(question)``: the expected score (0..1) of a uniformly random response,
      given the type's scoring (1/options for single choice); the guessing rate standard
      setting must beat. Default ``no_chance``: 0, for open answers (numeric, free text).
    - ``api_fields``: marshmallow fields documenting what ``item_view`` adds, for the JSON
      API's output schema (``app/questions/schemas.py``); built when the API is imported.
    """

    validate: Callable[[Any, Any], Response]
    score: Callable[[Any, Response], float]
    key: Callable[[Any], Response]
    parse_form: Callable[[Mapping[str, Any], Any], Response | None]
    to_canonical: Callable[[Any, Display, Any], Any] = same_response
    to_display: Callable[[Any, Display, Response], Response] = shown_response
    item_view: Callable[[Any, Display, str | None], dict[str, Any]] = nothing
    feedback_view: Callable[[Any, Display, Response | None], dict[str, Any]] = nothing
    page_view: Callable[[Any, Display, Response | None], dict[str, Any]] = nothing
    answer_template: str = ""
    feedback_template: str = ""
    preview_template: str = ""
    scripts: tuple[str, ...] = field(default_factory=tuple)
    styles: tuple[str, ...] = field(default_factory=tuple)
    analysis: AnalysisHooks | None = None
    chance_score: Callable[[Any], float] = no_chance
    api_fields: Mapping[str, Any] = field(default_factory=dict)


def templates_for(type_id: str, facet: QuizFacet) -> dict[str, str]:
    """The partials of a type: the facet's names, or ``questions/<id>/<part>.html``."""
    return {
        part: getattr(facet, f"{part}_template") or f"questions/{type_id}/{part}.html"
        for part in ("answer", "feedback", "preview")
    }
