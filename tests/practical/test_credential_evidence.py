"""The credential carries the practical evidence and the scope; it passes OB 3.0 and verifies."""

from __future__ import annotations

from datetime import date

import jsonschema
import pytest

from app import clock
from app.certificates import credential as cred
from app.certificates import keys, services
from app.practical import hours, logbook, osce
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt
from tests.practical.helpers import eligible_supervisor, practical_program
from tests.practical.test_osce import make_station, marks

REQUIREMENTS = [
    {"kind": "hours", "id": "in-person", "title": "In person", "hours": 2, "modes": ["in_person"]},
    {"kind": "logbook", "id": "sessions", "title": "Sessions", "sessions": 1},
    {"kind": "practical", "id": "osce", "title": "OSCE", "stations": ["thorax-barrier"]},
]


@pytest.fixture
def settings(app):
    with app.app_context():
        return get_settings().issuer


def _resolver(db_session, settings):
    known = {
        settings.verification_method(row.kid): keys.public_key_of(row)
        for row in keys.published_keys(db_session)
    }
    return known.get


def _evidence(db_session, trainee, program):
    instructor = eligible_supervisor(db_session)
    hours.run_session(
        db_session,
        instructor,
        hours.Activity("Lab day", "in_person", "psychomotor", 2.0, date(2026, 1, 10)),
        [trainee.id],
    )
    entry = logbook.log_session(
        db_session,
        trainee,
        program,
        logbook.LogbookInput(
            date(2026, 1, 11), "P-0001", "thoracic", ["rhomboid major"], 2, 2, "none",
            instructor.email, "",
        ),
    )  # fmt: skip
    logbook.decide(db_session, instructor, entry.id, "approve", "")
    second = factories.make_user("instructor")
    station = make_station(db_session, instructor, second)
    performance = osce.start_performance(db_session, instructor, station, trainee, 1)
    osce.submit_marking(db_session, second, performance.id, marks(1))


def test_a_practical_requirement_holds_the_completion_back(db_session, settings):
    program, modules = practical_program(db_session, REQUIREMENTS, requires_review=False)
    trainee = factories.make_user("trainee")
    for module in modules:
        make_attempt(db_session, trainee, module)
    with pytest.raises(services.NotEligible, match="OSCE"):
        services.record_completion(db_session, trainee, program, settings=settings)


def test_the_credential_carries_evidence_and_scope_and_verifies(db_session, settings):
    program, modules = practical_program(db_session, REQUIREMENTS, requires_review=False)
    program.scope_regions = ["thoracic", "lumbar"]
    trainee = factories.make_user("trainee")
    for module in modules:
        make_attempt(db_session, trainee, module)
    _evidence(db_session, trainee, program)
    services.record_completion(db_session, trainee, program, settings=settings)
    certificate = services.current_certificate(db_session, trainee.id, program.id)
    doc = certificate.credential
    names = [e["name"] for e in doc["evidence"]]
    assert names == [
        "In person hours",
        "Supervised patient sessions",
        "Practical skills examination",
    ]
    assert all(e["type"] == ["Evidence"] for e in doc["evidence"])
    assert "1 supervised sessions signed off (thoracic)" in doc["evidence"][1]["description"]
    assert doc["credentialSubject"]["achievement"]["tag"] == ["region:thoracic", "region:lumbar"]
    cred.validate_schema(doc)
    result = cred.verify_credential(doc, _resolver(db_session, settings), clock.utcnow())
    assert result.ok, result.summary()


def test_a_bad_evidence_entry_fails_the_schema():
    doc = {"credentialSubject": {"achievement": {}}}
    with pytest.raises((cred.CredentialError, jsonschema.ValidationError, KeyError, TypeError)):
        cred.add_evidence(doc, [{"name": "", "description": "x", "genre": "Hours"}], [])
