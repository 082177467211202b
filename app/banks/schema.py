"""The native bank format: pydantic models for topics, questions, cases, modules and programs.

Pure: no Flask, no SQLAlchemy. The same models validate bank files, imports from other
formats and the studio's forms, so there is one set of rules for all of them.
The format is documented for authors in ``question_banks/README.md``.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

# Questions and cases with this tag are drawn in practice modules only, never in exams: for
# items whose key rests only on a secondary source or an inference (FACTS.md marks).
PRACTICE_ONLY = "practice-only"

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,79}$"
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
NonEmpty = Annotated[str, Field(min_length=1)]


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_RESPONSE = "multiple_response"
    TRUE_FALSE = "true_false"
    MATCHING = "matching"
    ORDERING = "ordering"
    NUMERIC = "numeric"
    HOTSPOT = "hotspot"
    SHORT_ANSWER = "short_answer"
    SCRIPT_CONCORDANCE = "script_concordance"


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Mode(StrEnum):
    PRACTICE = "practice"
    EXAM = "exam"


class ReviewPolicy(StrEnum):
    """What an exam attempt shows after submission (practice always shows everything)."""

    SCORE = "score"  # the score and pass/fail only
    CORRECTNESS = "correctness"  # also which questions were right or wrong
    FULL = "full"  # also the keys, feedback, explanations and references


class Competency(StrEnum):
    """The competency areas of FACTS.md §7, for exam blueprints."""

    EVALUATION_SCREENING = "evaluation-screening"
    ANATOMY_SAFETY = "anatomy-safety"
    NEEDLE_HANDLING_HYGIENE = "needle-handling-hygiene"
    TECHNIQUE = "technique"
    POST_CARE_ADVERSE_EVENTS = "post-care-adverse-events"
    DOCUMENTATION_CONSENT = "documentation-consent"
    PROFESSIONAL_REGULATION = "professional-regulation"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


class Topic(_Strict):
    id: Key
    title: NonEmpty
    description: str = ""


# ---------------------------------------------------------------- question bodies


class ChoiceOption(_Strict):
    id: Key
    text: NonEmpty
    correct: bool = False
    feedback: str = ""


class MatchPair(_Strict):
    premise: NonEmpty
    answer: NonEmpty


class HotspotRegion(_Strict):
    id: Key
    label: NonEmpty
    points: list[tuple[float, float]] = Field(min_length=3)
    correct: bool = False
    feedback: str = ""

    @field_validator("points")
    @classmethod
    def _unit_square(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for x, y in points:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError("polygon points are fractions of the image: 0 <= x, y <= 1")
        return points


class QuestionBase(_Strict):
    """Fields every question has, whatever its type."""

    key: Key
    type: QuestionType
    topic: Key | None = None  # defaults to the file's topic
    status: Status = Status.DRAFT
    difficulty: Difficulty = Difficulty.MEDIUM
    objective: Key | None = None
    tags: list[Key] = Field(default_factory=list)
    title: str = ""
    stem: NonEmpty
    explanation: str = ""
    references: list[NonEmpty] = Field(min_length=1)


class SingleChoice(QuestionBase):
    type: Literal[QuestionType.SINGLE_CHOICE]
    options: list[ChoiceOption] = Field(min_length=2)
    shuffle: bool = True

    @model_validator(mode="after")
    def _one_correct(self) -> SingleChoice:
        _unique_ids(self.options, "options")
        if sum(o.correct for o in self.options) != 1:
            raise ValueError("options: a single-answer question needs exactly one correct option")
        return self


class MultipleResponse(QuestionBase):
    type: Literal[QuestionType.MULTIPLE_RESPONSE]
    options: list[ChoiceOption] = Field(min_length=2)
    shuffle: bool = True

    @model_validator(mode="after")
    def _some_correct(self) -> MultipleResponse:
        _unique_ids(self.options, "options")
        if not any(o.correct for o in self.options):
            raise ValueError("options: a multiple-response question needs a correct option")
        return self


class TrueFalse(QuestionBase):
    type: Literal[QuestionType.TRUE_FALSE]
    answer: bool
    feedback_true: str = ""
    feedback_false: str = ""


class Matching(QuestionBase):
    """Premises each matched to one answer; answers may repeat, distractors are never right."""

    type: Literal[QuestionType.MATCHING]
    pairs: list[MatchPair] = Field(min_length=2)
    distractors: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct(self) -> Matching:
        premises = [p.premise for p in self.pairs]
        if len(set(premises)) != len(premises):
            raise ValueError("pairs: each premise must appear once")
        answers = {p.answer for p in self.pairs}
        if answers & set(self.distractors):
            raise ValueError("distractors: a distractor is also a correct answer")
        if len(set(self.distractors)) != len(self.distractors):
            raise ValueError("distractors: duplicate distractor")
        return self

    def premise_ids(self) -> list[str]:
        return [f"p{i + 1}" for i in range(len(self.pairs))]

    def answer_choices(self) -> list[tuple[str, str]]:
        """(id, text) of every answer, correct ones first in premise order, then distractors."""
        texts: list[str] = []
        for text in [p.answer for p in self.pairs] + list(self.distractors):
            if text not in texts:
                texts.append(text)
        return [(f"m{i + 1}", t) for i, t in enumerate(texts)]

    def key_map(self) -> dict[str, str]:
        ids = {text: cid for cid, text in self.answer_choices()}
        return {pid: ids[p.answer] for pid, p in zip(self.premise_ids(), self.pairs, strict=True)}


class Ordering(QuestionBase):
    """Items listed in the correct order; the engine shows them shuffled."""

    type: Literal[QuestionType.ORDERING]
    items: list[NonEmpty] = Field(min_length=2)

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[str]) -> list[str]:
        if len(set(items)) != len(items):
            raise ValueError("each item must be different")
        return items

    def item_ids(self) -> list[str]:
        return [f"i{i + 1}" for i in range(len(self.items))]


class Numeric(QuestionBase):
    type: Literal[QuestionType.NUMERIC]
    answer: float
    tolerance: float = Field(default=0.0, ge=0)
    unit: str = Field(default="", max_length=30, pattern=r"^[^\r\n]*$")  # one line: "mm", "%"


class Hotspot(QuestionBase):
    """Click a region of an image; the path is relative to the bank file."""

    type: Literal[QuestionType.HOTSPOT]
    image: NonEmpty
    image_alt: NonEmpty
    regions: list[HotspotRegion] = Field(min_length=1)

    @model_validator(mode="after")
    def _some_correct(self) -> Hotspot:
        _unique_ids(self.regions, "regions")
        if not any(r.correct for r in self.regions):
            raise ValueError("regions: a hotspot question needs a correct region")
        if self.image.startswith("/") or ".." in self.image.split("/"):
            raise ValueError("image: give a path relative to the bank file, inside the banks")
        return self


class ShortAnswer(QuestionBase):
    """Accepted answers as patterns: ``*`` matches any run of characters."""

    type: Literal[QuestionType.SHORT_ANSWER]
    answers: list[NonEmpty] = Field(min_length=1)
    case_sensitive: bool = False


class ScriptConcordance(QuestionBase):
    """If you were thinking of <hypothesis> and then found <new_information>..."""

    type: Literal[QuestionType.SCRIPT_CONCORDANCE]
    hypothesis: NonEmpty
    new_information: NonEmpty
    scale: list[NonEmpty] = Field(
        default_factory=lambda: [
            "much less likely / appropriate",
            "less likely / appropriate",
            "neither more nor less",
            "more likely / appropriate",
            "much more likely / appropriate",
        ],
        min_length=5,
        max_length=5,
    )
    panel: list[int] = Field(min_length=5, max_length=5)  # counts for -2, -1, 0, +1, +2

    @field_validator("panel")
    @classmethod
    def _counts(cls, panel: list[int]) -> list[int]:
        if any(c < 0 for c in panel) or sum(panel) == 0:
            raise ValueError("panel: five non-negative counts (for -2..+2), not all zero")
        return panel


Question = Annotated[
    SingleChoice
    | MultipleResponse
    | TrueFalse
    | Matching
    | Ordering
    | Numeric
    | Hotspot
    | ShortAnswer
    | ScriptConcordance,
    Field(discriminator="type"),
]

QUESTION_ADAPTER: TypeAdapter[QuestionBase] = TypeAdapter(Question)

QUESTION_MODELS: dict[QuestionType, type[QuestionBase]] = {
    QuestionType.SINGLE_CHOICE: SingleChoice,
    QuestionType.MULTIPLE_RESPONSE: MultipleResponse,
    QuestionType.TRUE_FALSE: TrueFalse,
    QuestionType.MATCHING: Matching,
    QuestionType.ORDERING: Ordering,
    QuestionType.NUMERIC: Numeric,
    QuestionType.HOTSPOT: Hotspot,
    QuestionType.SHORT_ANSWER: ShortAnswer,
    QuestionType.SCRIPT_CONCORDANCE: ScriptConcordance,
}

# Fields that belong to the question's identity or workflow, not to a version's content.
NON_VERSION_FIELDS = frozenset({"key", "status", "topic"})


def version_content(question: QuestionBase) -> dict[str, Any]:
    """What a QuestionVersion stores: everything but the workflow fields (key kept)."""
    return question.model_dump(mode="json", exclude={"status", "topic"})


def content_hash(question: QuestionBase) -> str:
    """A stable hash of what a trainee would see and be scored on (not key, status, topic)."""
    data = question.model_dump(mode="json", exclude=set(NON_VERSION_FIELDS))
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _unique_ids(items: list[Any], field: str) -> None:
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{field}: ids must be unique within the question")


# ---------------------------------------------------------------- cases


class CaseStep(_Strict):
    disclosure: str = ""  # shown when this step opens (after the previous one is answered)
    question: Question


class Case(_Strict):
    """A vignette and ordered steps with sequential disclosure; versioned as a whole."""

    key: Key
    title: NonEmpty
    topic: Key | None = None
    status: Status = Status.DRAFT
    difficulty: Difficulty = Difficulty.MEDIUM
    tags: list[Key] = Field(default_factory=list)
    vignette: NonEmpty
    steps: list[CaseStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _step_keys(self) -> Case:
        keys = [s.question.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("steps: each step's question needs its own key")
        return self


def case_hash(case: Case) -> str:
    data = case.model_dump(mode="json", exclude={"key", "status", "topic"})
    for step in data["steps"]:
        step["question"].pop("status", None)
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


# ---------------------------------------------------------------- modules and programs


class Objective(_Strict):
    id: Key
    text: NonEmpty
    competency: Competency


class BlueprintRow(_Strict):
    topic: Key
    difficulty: Difficulty | None = None  # None: any difficulty
    count: int = Field(ge=1)


class CaseDraw(_Strict):
    topic: Key | None = None  # None: cases of any topic
    count: int = Field(ge=1)


class Module(_Strict):
    slug: Key
    title: NonEmpty
    description: str = ""
    objectives: list[Objective] = Field(default_factory=list)
    mode: Mode
    blueprint: list[BlueprintRow] = Field(default_factory=list)
    cases: list[CaseDraw] = Field(default_factory=list)
    pass_mark: float = Field(default=70.0, ge=0, le=100)  # percent
    time_limit_minutes: int | None = Field(default=None, ge=1)
    attempt_limit: int | None = Field(default=None, ge=1)
    cooldown_hours: float = Field(default=0, ge=0)
    prerequisites: list[Key] = Field(default_factory=list)
    review_policy: ReviewPolicy = ReviewPolicy.FULL
    ce_hours: float = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _something_to_draw(self) -> Module:
        if not self.blueprint and not self.cases:
            raise ValueError("blueprint: a module must draw at least one question or case")
        if self.slug in self.prerequisites:
            raise ValueError("prerequisites: a module cannot require itself")
        return self

    @property
    def length(self) -> int:
        return sum(r.count for r in self.blueprint) + sum(c.count for c in self.cases)


class Program(_Strict):
    slug: Key
    title: NonEmpty
    description: str = ""
    modules: list[Key] = Field(min_length=1)  # required modules, in order
    final_exam: Key | None = None  # one of ``modules``
    validity_months: int = Field(ge=1)
    ce_hours: float = Field(ge=0)
    requires_review: bool = True
    renewal_module: Key | None = None
    serial_prefix: str = Field(default="DNA", pattern=r"^[A-Z]{2,6}$")

    @model_validator(mode="after")
    def _final_in_modules(self) -> Program:
        if self.final_exam and self.final_exam not in self.modules:
            raise ValueError("final_exam: must be one of the program's modules")
        if len(set(self.modules)) != len(self.modules):
            raise ValueError("modules: a module is listed twice")
        return self


class BankFile(_Strict):
    """One YAML file of ``question_banks/``: any mix of these sections."""

    topic: Key | None = None  # default topic of the questions and cases in this file
    topics: list[Topic] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    cases: list[Case] = Field(default_factory=list)
    modules: list[Module] = Field(default_factory=list)
    programs: list[Program] = Field(default_factory=list)
