"""The shape of a jurisdiction rule file (``question_banks/jurisdictions/<id>.yaml``).

Pure: pydantic models only. A file says who it applies to (a jurisdiction and one profession),
where the rule is written (``source``), when it was read (``as_of``) and by when it must be
read again (``review_by``), and what it requires. A figure the fact sheet marks [verify] is
listed in ``unconfirmed`` by its path (``hours.total``, ``sessions.count``...): the engine then
reports the rule as "unconfirmed" rather than "met" (docs/jurisdictions.md).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.jurisdictions.professions import PROFESSIONS
from app.requirements.evidence import REGIONS, ContentArea, Mode

RULE_ID = r"^[a-z0-9][a-z0-9_-]{0,79}$"
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Hours = Annotated[float, Field(gt=0, le=5000)]
Count = Annotated[int, Field(gt=0, le=5000)]
Months = Annotated[int, Field(gt=0, le=600)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SourceLabel(StrEnum):
    """How sure the source is (the fact sheet's labels)."""

    STATED = "stated"  # the rule text or the body's own page says it
    SECONDARY = "secondary"  # a provider's or an aggregator's summary


class Practice(StrEnum):
    """Whether the profession may dry needle there at all."""

    PERMITTED = "permitted"  # on the conditions the rule lists
    PENDING = "pending"  # authorised in law, but the rules that let anyone start are not made
    PROHIBITED = "prohibited"


class Source(_Strict):
    citation: Text
    where: Text  # where in the source it says it (section, page)
    label: SourceLabel = SourceLabel.STATED


class HoursRule(_Strict):
    """Hours of training: a total, minimums by delivery mode and by content area."""

    total: Hours | None = None
    by_mode: dict[Mode, Hours] = Field(default_factory=dict)
    by_area: dict[ContentArea, Hours] = Field(default_factory=dict)
    excluded_modes: list[Mode] = Field(default_factory=list)  # hours that never count
    within_months: Months | None = None  # all counted hours fall in one period this long
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> HoursRule:
        if self.total is None and not self.by_mode and not self.by_area:
            raise ValueError("hours: give a total, by_mode or by_area")
        clash = set(self.by_mode) & set(self.excluded_modes)
        if clash:
            raise ValueError(f"hours: {sorted(clash)[0]} is both required and excluded")
        return self


class SupervisorRule(_Strict):
    min_years: float | None = Field(default=None, ge=0, le=60)
    min_sessions: int | None = Field(default=None, ge=0, le=100000)
    note: str = ""


class SessionsRule(_Strict):
    """Supervised patient sessions (the logbook)."""

    count: Count
    within_months: Months | None = None
    supervisor: SupervisorRule | None = None
    note: str = ""


class PracticalRule(_Strict):
    """A practical or competency examination: passing ``stations`` (all of them), or any
    station when none is named."""

    stations: list[Annotated[str, Field(pattern=RULE_ID)]] = Field(default_factory=list)
    description: Text


class RegionsRule(_Strict):
    excluded: list[str] = Field(default_factory=list)  # may not be needled under this rule
    required: list[str] = Field(default_factory=list)  # a course must cover them
    note: str = ""

    @field_validator("excluded", "required")
    @classmethod
    def _known(cls, regions: list[str]) -> list[str]:
        for region in regions:
            if region not in REGIONS:
                raise ValueError(f"{region!r} is not a region ({', '.join(REGIONS)})")
        return regions


class TemporaryRule(_Strict):
    """A temporary or limited-scope status while training is completed."""

    expires_months: Months
    description: Text


class RenewalRule(_Strict):
    """Continuing professional development to keep the authorisation."""

    cpd_hours: Hours
    period_months: Months
    note: str = ""


class Requirements(_Strict):
    years_licensed: float | None = Field(default=None, gt=0, le=60)
    hours: HoursRule | None = None
    sessions: SessionsRule | None = None
    practical: PracticalRule | None = None
    regions: RegionsRule | None = None
    temporary: TemporaryRule | None = None
    renewal: RenewalRule | None = None
    # Prerequisites only the body (or the trainee) can confirm: an authorisation on the permit,
    # a roster, an approved course. With any, the best status is "unconfirmed".
    conditions: list[Text] = Field(default_factory=list)
    other: list[Text] = Field(default_factory=list)  # obligations once qualified (notes)


#: The paths that ``unconfirmed`` may name.
FIGURE_PATHS = frozenset(
    {
        "years_licensed",
        "hours.total",
        "hours.by_mode",
        "hours.by_area",
        "hours.excluded_modes",
        "hours.within_months",
        "sessions.count",
        "sessions.within_months",
        "sessions.supervisor",
        "practical",
        "temporary.expires_months",
        "renewal.cpd_hours",
        "renewal.period_months",
    }
)


class JurisdictionRule(_Strict):
    id: Annotated[str, Field(pattern=RULE_ID)]
    name: Text  # "Florida"
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]  # ISO 3166-1
    region: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,3}$")] | None = None  # ISO 3166-2 suffix
    profession: str
    body: Text  # the regulator or professional body
    practice: Practice = Practice.PERMITTED
    source: Source
    as_of: date
    review_by: date
    requirements: Requirements
    unconfirmed: list[str] = Field(default_factory=list)
    summary: str = ""

    @field_validator("profession")
    @classmethod
    def _profession(cls, value: str) -> str:
        if value not in PROFESSIONS:
            raise ValueError(f"{value!r} is not a profession id ({', '.join(PROFESSIONS)})")
        return value

    @model_validator(mode="after")
    def _dates_and_paths(self) -> JurisdictionRule:
        if self.review_by <= self.as_of:
            raise ValueError("review_by: must come after as_of")
        for path in self.unconfirmed:
            if path not in FIGURE_PATHS:
                raise ValueError(
                    f"unconfirmed: {path!r} is not one of {', '.join(sorted(FIGURE_PATHS))}"
                )
            if _value_at(self.requirements, path) is None:
                raise ValueError(f"unconfirmed: {path!r} names a figure the rule does not set")
        return self

    def is_unconfirmed(self, path: str) -> bool:
        """True when the figure at ``path`` (or its parent) is marked [verify]."""
        return any(path == p or path.startswith(p + ".") for p in self.unconfirmed)


def _value_at(requirements: Requirements, path: str) -> object:
    value: object = requirements
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value or None
