"""What a trainee has done, as frozen value objects: the input of every requirement kind.

Independent of any program (a jurisdiction's rules judge the same evidence): hours entries by
delivery mode and content area, supervised logbook sessions, practical stations passed and
modules passed. Only what counts is counted by the evaluators (verified hours, approved
sessions); the rest is kept so that a page can say what is still waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.i18n import lazy_gettext as _l


class Mode(StrEnum):
    """How an hour was delivered (jurisdictions count them differently)."""

    IN_PERSON = "in_person"
    LIVE_ONLINE = "live_online"
    SELF_PACED_ONLINE = "self_paced_online"
    SELF_STUDY = "self_study"
    SUPERVISED_CLINICAL = "supervised_clinical"


# Interface names (lazy: the page's language; English under /api/, in signed credentials).
MODE_LABELS = {
    Mode.IN_PERSON: _l("in person"),
    Mode.LIVE_ONLINE: _l("live online"),
    Mode.SELF_PACED_ONLINE: _l("self-paced online"),
    Mode.SELF_STUDY: _l("self-study"),
    Mode.SUPERVISED_CLINICAL: _l("supervised clinical"),
}


class ContentArea(StrEnum):
    """The content areas of the Florida rules (64B17-6.008, 64B2-17.004)."""

    THEORY = "theory"
    NEEDLES_BIOHAZARD = "needles_biohazard"
    INDICATIONS = "indications"
    PSYCHOMOTOR = "psychomotor"
    POST_CARE = "post_care"


AREA_LABELS = {
    ContentArea.THEORY: _l("theory"),
    ContentArea.NEEDLES_BIOHAZARD: _l("needles and biohazard"),
    ContentArea.INDICATIONS: _l("indications and contraindications"),
    ContentArea.PSYCHOMOTOR: _l("psychomotor"),
    ContentArea.POST_CARE: _l("post-intervention care"),
}

# The fixed list of body regions a logbook session and a credential's scope name.
REGIONS = (
    "head_neck",
    "cervical",
    "thoracic",
    "lumbar",
    "pelvis_hip",
    "shoulder",
    "upper_limb",
    "lower_limb",
)


class SessionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


@dataclass(frozen=True)
class HoursEntry:
    mode: Mode
    hours: float
    on: date
    verified: bool
    content_area: ContentArea | None = None


@dataclass(frozen=True)
class LogbookSession:
    on: date
    region: str
    supervisor: str
    status: SessionStatus


@dataclass(frozen=True)
class Evidence:
    """Everything a trainee has to show, as of ``as_of`` (time windows count back from it)."""

    as_of: date
    modules_passed: frozenset[str] = frozenset()
    hours: tuple[HoursEntry, ...] = ()
    sessions: tuple[LogbookSession, ...] = ()
    stations_passed: frozenset[str] = frozenset()
    module_titles: tuple[tuple[str, str], ...] = field(default=())

    def title_of(self, slug: str) -> str:
        return dict(self.module_titles).get(slug, slug)
