"""The xAPI statements of what a trainee does, built with Ralph's pydantic xAPI models.

Pure: plain facts in, a validated statement out (no Flask, no SQLAlchemy). Vocabulary: the
ADL verbs (attempted, answered, completed, passed, failed) as cmi5 uses them, and
``https://w3id.org/xapi/dod-isd/verbs/earned`` for a certificate; activity types from the ADL
vocabulary (module, cmi.interaction, course) and Open Badges (badge). Each statement's id is a
uuid5 of the event that caused it (``event_key``), so a resend never makes a second statement.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ralph.models.xapi.base.statements import BaseXapiStatement

# The namespace of this platform's statement ids (uuid5 of "<base url>|<event key>").
STATEMENT_NAMESPACE = uuid.UUID("6f1e3c2a-4d7b-5e8f-9a0b-1c2d3e4f5a6b")
XAPI_VERSION = "1.0.3"

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "attempted": ADL + "attempted",
    "answered": ADL + "answered",
    "completed": ADL + "completed",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
    "earned": "https://w3id.org/xapi/dod-isd/verbs/earned",
}
ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/module",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "program": "http://adlnet.gov/expapi/activities/course",
    "certificate": "https://w3id.org/xapi/openbadges/activity-types/badge",
}
ATTEMPT_EXTENSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


@dataclass(frozen=True)
class Actor:
    """A trainee as an xAPI account agent: the platform's home page and the account id (never
    the e-mail address: an LRS is often run by someone else)."""

    home_page: str
    account_id: int
    name: str


@dataclass(frozen=True)
class Activity:
    kind: str  # a key of ACTIVITY_TYPES
    iri: str
    name: str


@dataclass(frozen=True)
class Score:
    raw: float
    max: float

    @property
    def scaled(self) -> float:
        return 0.0 if self.max <= 0 else max(-1.0, min(1.0, self.raw / self.max))


def statement_id(base_url: str, event_key: str) -> uuid.UUID:
    """The stable id of the statement of one event (e.g. ``attempt:12:completed``)."""
    return uuid.uuid5(STATEMENT_NAMESPACE, f"{base_url}|{event_key}")


def build(
    *,
    base_url: str,
    event_key: str,
    verb: str,
    actor: Actor,
    activity: Activity,
    at: datetime,
    score: Score | None = None,
    success: bool | None = None,
    completion: bool | None = None,
    response: str | None = None,
    parent: Activity | None = None,
    registration: uuid.UUID | None = None,
) -> BaseXapiStatement:
    """A validated statement; raises pydantic's ValidationError when a fact is malformed."""
    result: dict[str, Any] = {}
    if score is not None:
        result["score"] = {"raw": score.raw, "min": 0, "max": score.max, "scaled": score.scaled}
    if success is not None:
        result["success"] = success
    if completion is not None:
        result["completion"] = completion
    if response:
        result["response"] = response
    context: dict[str, Any] = {"platform": "Dry Needling Academy"}
    if parent is not None:
        context["contextActivities"] = {"parent": [_activity(parent)]}
    if registration is not None:
        context["registration"] = str(registration)
    data: dict[str, Any] = {
        "id": statement_id(base_url, event_key),
        "actor": {
            "objectType": "Agent",
            "name": actor.name or str(actor.account_id),
            "account": {"homePage": actor.home_page, "name": str(actor.account_id)},
        },
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": _activity(activity),
        "context": context,
        "timestamp": at,
        "version": XAPI_VERSION,
    }
    if result:
        data["result"] = result
    return BaseXapiStatement(**data)


def _activity(activity: Activity) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": activity.iri,
        "definition": {
            "type": ACTIVITY_TYPES[activity.kind],
            "name": {"en-US": activity.name or activity.iri},
        },
    }


def to_json(statement: BaseXapiStatement) -> dict[str, Any]:
    """The statement as the LRS expects it: Ralph serialises scores (``Decimal``) as strings,
    which xAPI forbids, so numbers are written back as JSON numbers."""
    data = json.loads(statement.model_dump_json(exclude_none=True))
    score = data.get("result", {}).get("score")
    if score:
        data["result"]["score"] = {k: float(Decimal(str(v))) for k, v in score.items()}
    return data


def registration_of(base_url: str, attempt_id: int) -> uuid.UUID:
    """One registration per attempt: the statements of an attempt share it (as a cmi5
    session's do)."""
    return uuid.uuid5(STATEMENT_NAMESPACE, f"{base_url}|registration|attempt:{attempt_id}")
