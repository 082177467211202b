"""The native bank format: pydantic models for topics, questions, cases, modules and programs.

Pure: no Flask, no SQLAlchemy. The same models validate bank files, imports from other
formats and the studio's forms, so there is one set of rules for all of them.
The format is documented for authors in ``question_banks/README.md``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from enum import StrEnum
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, TypeAdapter, field_validator, model_validator
from pydantic_core import core_schema

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import (
    DEFAULT_USE,
    KEY_PATTERN,
    ChoiceOption,
    CognitiveLevel,
    Difficulty,
    Key,
    NonEmpty,
    QuestionBase,
    QuestionType,
    Status,
    Use,
    drop_empty_review_metadata,
)
from app.questions.base import Strict as _Strict
from app.requirements import kinds as requirement_kinds
from app.requirements.evidence import REGIONS

__all__ = [
    "DEFAULT_USE",
    "KEY_PATTERN",
    "ChoiceOption",
    "CognitiveLevel",
    "Difficulty",
    "Key",
    "NonEmpty",
    "QuestionBase",
    "QuestionType",
    "Status",
    "Use",
]

# The tag that marked practice items before the ``use`` field: the loader refuses it and says
# what to write instead (``use: practice``), so that no file means two things.
OLD_PRACTICE_TAG = "practice-only"


class Mode(StrEnum):
    PRACTICE = "practice"
    EXAM = "exam"


def use_of(mode: Mode) -> Use:
    """The items a module of ``mode`` draws: exam modules exam items, practice modules
    practice items."""
    return Use.EXAM if mode == Mode.EXAM else Use.PRACTICE


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


class Topic(_Strict):
    id: Key
    title: NonEmpty
    description: str = ""


# ---------------------------------------------------------------- questions
# Each type's model lives in its package (``app/questions/types/<id>/content.py``) and is
# found through the registry; its class name stays importable from here (``__getattr__``).


def question_models() -> dict[str, type[QuestionBase]]:
    """type id -> the type's pydantic model, for every registered type."""
    return {spec.id: spec.content.model for spec in registry.all_types() if spec.content}


def question_image(question: QuestionBase) -> str | None:
    """The image file a question shows (its content facet's ``image``), or None."""
    return registry.get(question.type).content.image(question)


_union: tuple[int, TypeAdapter[Any]] | None = None


def _union_adapter() -> TypeAdapter[Any]:
    """The discriminated union of the registered models, rebuilt when the registry changes."""
    global _union
    if _union is None or _union[0] != registry.generation():
        models = tuple(question_models().values())
        union: Any = models[0]
        if len(models) > 1:
            union = Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007
        _union = (registry.generation(), TypeAdapter(union))
    return _union[1]


def _validate_question(value: Any) -> QuestionBase:
    if isinstance(value, QuestionBase) and type(value) in question_models().values():
        return value
    return _union_adapter().validate_python(value)


class _AnyQuestion:
    """Pydantic: any registered question type, chosen by its ``type`` (the discriminator)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        # Serialised by inference: each question with its own model's serializer, so that
        # include/exclude and exclude_defaults reach into it as they would in a union.
        return core_schema.no_info_plain_validator_function(_validate_question)


Question = Annotated[QuestionBase, _AnyQuestion]


class _QuestionAdapter:
    """``TypeAdapter(Question)``'s methods over the types registered now."""

    def validate_python(self, value: Any, **kwargs: Any) -> QuestionBase:
        return _union_adapter().validate_python(value, **kwargs)

    def validate_json(self, value: Any, **kwargs: Any) -> QuestionBase:
        return _union_adapter().validate_json(value, **kwargs)

    def dump_python(self, value: Any, **kwargs: Any) -> Any:
        return _union_adapter().dump_python(value, **kwargs)


QUESTION_ADAPTER: Any = _QuestionAdapter()


def __getattr__(name: str) -> Any:
    """``QUESTION_MODELS`` and the types' model classes (``Hotspot``, ``MatchPair``...)."""
    if name == "QUESTION_MODELS":
        return {QuestionType(k): v for k, v in question_models().items()}
    for model in question_models().values():
        found = getattr(importlib.import_module(model.__module__), name, None)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Fields that belong to the question's identity or workflow, not to a version's content.
NON_VERSION_FIELDS = frozenset({"key", "status", "topic"})


def version_content(question: QuestionBase) -> dict[str, Any]:
    """What a QuestionVersion stores: everything but the workflow fields (key kept)."""
    return question.model_dump(mode="json", exclude={"status", "topic"})


def content_hash(question: QuestionBase, content: dict[str, Any] | None = None) -> str:
    """A stable hash of what a trainee would see and be scored on (not key, status, topic).

    ``content``: the question's ``version_content`` when it is already made (the same hash,
    one dump of the model fewer)."""
    if content is None:
        dumped = question.model_dump(mode="json", exclude=set(NON_VERSION_FIELDS))
    else:
        dumped = {k: v for k, v in content.items() if k not in NON_VERSION_FIELDS}
    data = drop_empty_review_metadata(dumped)
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


# ---------------------------------------------------------------- cases


class CaseStep(_Strict):
    disclosure: str = ""  # shown when this step opens (after the previous one is answered)
    question: Question
    reviewer_notes: str = ""  # never shown to a trainee


class Case(_Strict):
    """A vignette and ordered steps with sequential disclosure; versioned as a whole."""

    key: Key
    title: NonEmpty
    topic: Key | None = None
    status: Status = Status.DRAFT
    difficulty: Difficulty = Difficulty.MEDIUM
    use: Use = DEFAULT_USE  # shared by every step's question
    tags: list[Key] = Field(default_factory=list)
    vignette: NonEmpty
    steps: list[CaseStep] = Field(min_length=1)
    reviewer_notes: str = ""  # never shown to a trainee

    @model_validator(mode="after")
    def _step_keys(self) -> Case:
        keys = [s.question.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("steps: " + _("each step's question needs its own key"))
        for i, step in enumerate(self.steps):
            q = step.question
            if "use" in q.model_fields_set and q.use != self.use:
                message = _(
                    "step %(n)s's question says use '%(step_use)s' but the case is "
                    "'%(case_use)s'; a case's steps share the case's use (set it on the case)",
                    n=i + 1,
                    step_use=q.use.value,
                    case_use=self.use.value,
                )
                raise ValueError("steps: " + message)  # the field first: forms place it by it
            q.use = self.use
        return self


def case_hash(case: Case) -> str:
    data = drop_empty_review_metadata(
        case.model_dump(mode="json", exclude={"key", "status", "topic"})
    )
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
    # The language the module's questions are written in (a BCP 47 tag: "en", "fr-CA"); the
    # interface is translated, question content is not (docs/i18n.md).
    language: str = Field(default="en", pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")

    @model_validator(mode="after")
    def _something_to_draw(self) -> Module:
        if not self.blueprint and not self.cases:
            raise ValueError("blueprint: " + _("a module must draw at least one question or case"))
        if self.slug in self.prerequisites:
            raise ValueError("prerequisites: " + _("a module cannot require itself"))
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
    renewal_cpd_hours: float = Field(default=0, ge=0, le=1000)  # CPD hours a renewal needs
    serial_prefix: str = Field(default="DNA", pattern=r"^[A-Z]{2,6}$")
    # Issue 15: hours, logbook and practical requirements (app/requirements checks them), the
    # supervisor a logbook session needs, and the body regions the credential's scope names.
    requirements: list[dict[str, Any]] = Field(default_factory=list)
    supervisor_min_months: int = Field(default=12, ge=0, le=600)
    supervisor_min_sessions: int = Field(default=25, ge=0, le=100000)
    scope_regions: list[str] = Field(default_factory=list)

    @field_validator("requirements")
    @classmethod
    def _requirements(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return requirement_kinds.check_listed(value)

    @field_validator("scope_regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        for region in value:
            if region not in REGIONS:
                raise ValueError(
                    _(
                        "%(region)s is not one of %(regions)s",
                        region=repr(region),
                        regions=", ".join(REGIONS),
                    )
                )
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _final_in_modules(self) -> Program:
        if self.final_exam and self.final_exam not in self.modules:
            raise ValueError("final_exam: " + _("must be one of the program's modules"))
        if len(set(self.modules)) != len(self.modules):
            raise ValueError("modules: " + _("a module is listed twice"))
        problem = requirement_kinds.scope_problem(self.scope_regions, self.requirements)
        if problem:
            raise ValueError(problem)
        return self


class BankFile(_Strict):
    """One YAML file of ``question_banks/``: any mix of these sections."""

    topic: Key | None = None  # default topic of the questions and cases in this file
    topics: list[Topic] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    cases: list[Case] = Field(default_factory=list)
    modules: list[Module] = Field(default_factory=list)
    programs: list[Program] = Field(default_factory=list)
