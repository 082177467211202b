"""The statements themselves (pure): Ralph's models, ADL vocabulary, stable ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from app.xapi.statements import (
    VERBS,
    Activity,
    Actor,
    Score,
    build,
    registration_of,
    statement_id,
    to_json,
)

BASE = "https://academy.example.org"
AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
ACTOR = Actor(home_page=BASE, account_id=42, name="Ada Clinician")
MODULE = Activity("module", f"{BASE}/xapi/activities/module/anatomy", "Anatomy")


def test_the_same_event_always_gets_the_same_statement_id():
    assert statement_id(BASE, "attempt:1:completed") == statement_id(BASE, "attempt:1:completed")
    assert statement_id(BASE, "attempt:1:completed") != statement_id(BASE, "attempt:1:passed")
    assert statement_id(BASE, "attempt:1:completed") != statement_id(
        "https://other.example.org", "attempt:1:completed"
    )


def test_a_passed_statement_uses_adl_vocabulary_and_numeric_scores():
    statement = build(
        base_url=BASE,
        event_key="attempt:7:passed",
        verb="passed",
        actor=ACTOR,
        activity=MODULE,
        at=AT,
        score=Score(9, 10),
        success=True,
        completion=True,
        registration=registration_of(BASE, 7),
    )
    data = to_json(statement)
    assert data["id"] == str(statement_id(BASE, "attempt:7:passed"))
    assert data["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert data["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/module"
    assert data["actor"] == {
        "objectType": "Agent",
        "name": "Ada Clinician",
        "account": {"homePage": BASE, "name": "42"},
    }
    assert data["result"]["score"] == {"raw": 9.0, "min": 0.0, "max": 10.0, "scaled": 0.9}
    assert data["result"]["success"] is True and data["result"]["completion"] is True
    assert data["context"]["registration"] == str(registration_of(BASE, 7))
    assert "mbox" not in str(data)  # no e-mail address leaves the platform


def test_every_verb_is_a_known_iri():
    assert set(VERBS) == {"attempted", "answered", "completed", "passed", "failed", "earned"}
    for iri in VERBS.values():
        assert iri.startswith(("http://adlnet.gov/expapi/verbs/", "https://w3id.org/xapi/"))


def test_the_model_refuses_a_malformed_statement():
    with pytest.raises(ValidationError):
        build(
            base_url=BASE,
            event_key="x",
            verb="answered",
            actor=ACTOR,
            activity=Activity("question", "not an iri", "q"),
            at=AT,
        )
