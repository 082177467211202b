"""The logbook contract: POST /api/v1/me/logbook and POST /api/v1/logbook/{id}/decision."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.certificates.models import Completion
from app.mail.models import OutboxMessage
from app.practical.models import HoursEntry, LogbookEntry
from tests import factories
from tests.certificates.helpers import make_attempt
from tests.practical.helpers import eligible_supervisor, entry_body, practical_program


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {factories.make_token(user).secret}"}


def count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def world(db_session):
    program, modules = practical_program(db_session)
    trainee = factories.make_user("trainee")
    supervisor = eligible_supervisor(db_session)
    return program, modules, trainee, supervisor


def test_a_trainee_logs_a_session_and_the_named_supervisor_signs_it_off(client, db_session, world):
    _, _, trainee, supervisor = world
    response = client.post(
        "/api/v1/me/logbook", json=entry_body(supervisor.email), headers=bearer(trainee)
    )
    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending"
    entry_id = response.json["id"]
    decided = client.post(
        f"/api/v1/logbook/{entry_id}/decision",
        json={"decision": "approve", "comment": "Well done."},
        headers=bearer(supervisor),
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["status"] == "approved"
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject_id == str(entry_id))
    ).all()
    assert {"logbook.logged", "logbook.approved"} <= set(actions)


def test_a_returned_entry_is_mailed_to_the_trainee(client, db_session, world):
    _, _, trainee, supervisor = world
    entry_id = client.post(
        "/api/v1/me/logbook", json=entry_body(supervisor.email), headers=bearer(trainee)
    ).json["id"]
    decided = client.post(
        f"/api/v1/logbook/{entry_id}/decision",
        json={"decision": "return", "comment": "Name the muscles you needled."},
        headers=bearer(supervisor),
    )
    assert decided.status_code == 200 and decided.json["status"] == "returned"
    mail = db_session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "logbook_returned")
    ).one()
    assert mail.to_addr == trainee.email
    assert "Name the muscles you needled." in mail.text_body
    assert "Name the muscles you needled." in mail.html_body


def test_the_trainee_and_other_instructors_cannot_decide(client, db_session, world):
    _, _, trainee, supervisor = world
    entry_id = client.post(
        "/api/v1/me/logbook", json=entry_body(supervisor.email), headers=bearer(trainee)
    ).json["id"]
    other = eligible_supervisor(db_session)
    approve = {"decision": "approve", "comment": ""}
    by_trainee = client.post(
        f"/api/v1/logbook/{entry_id}/decision", json=approve, headers=bearer(trainee)
    )
    by_other = client.post(
        f"/api/v1/logbook/{entry_id}/decision", json=approve, headers=bearer(other)
    )
    assert by_trainee.status_code in (403, 404)
    assert by_other.status_code == 404
    assert db_session.get(LogbookEntry, entry_id).status.value == "pending"


def test_no_one_signs_their_own_entry(client, db_session, world):
    _, _, _, supervisor = world
    # An instructor is no trainee: they cannot log; and an entry naming oneself is refused.
    response = client.post(
        "/api/v1/me/logbook", json=entry_body(supervisor.email), headers=bearer(supervisor)
    )
    assert response.status_code == 403
    trainee = factories.make_user("trainee")
    own = client.post("/api/v1/me/logbook", json=entry_body(trainee.email), headers=bearer(trainee))
    assert own.status_code == 400 and "supervisor_email" in own.json["error"]["message"]
    assert count(db_session, LogbookEntry) == 0


def test_an_ineligible_supervisor_is_refused_naming_the_supervisor(client, db_session, world):
    _, _, trainee, _ = world
    novice = factories.make_user("instructor")
    response = client.post(
        "/api/v1/me/logbook", json=entry_body(novice.email), headers=bearer(trainee)
    )
    assert response.status_code == 400
    message = response.json["error"]["message"]
    assert "supervisor_email" in message and novice.email in message
    assert count(db_session, LogbookEntry) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("patient_code", "John Smith"),
        ("reflection", "Patient jane@example.org asked for a copy."),
        ("reflection", "Follow up on 0612345678."),
        ("adverse_event", "Vasovagal, DOB 04/05/1971"),
        ("muscles", ["upper trapezius", "Mrs Jones"]),
    ],
)
def test_identifiers_are_refused_with_nothing_stored(client, db_session, world, field, value):
    _, _, trainee, supervisor = world
    headers = bearer(trainee)
    before_audit = count(db_session, AuditEvent)
    response = client.post(
        "/api/v1/me/logbook", json=entry_body(supervisor.email, **{field: value}), headers=headers
    )
    assert response.status_code == 400
    assert response.json["error"]["message"].startswith(field)
    assert count(db_session, LogbookEntry) == 0
    assert count(db_session, AuditEvent) == before_audit


def test_requirements_report_every_kind_and_approval_completes_the_program(
    client, db_session, world
):
    program, modules, trainee, supervisor = world
    for module in modules:
        make_attempt(db_session, trainee, module)
    db_session.add(
        HoursEntry(user_id=trainee.id, title="Lab day", mode="in_person",
                   content_area="psychomotor", hours=2, held_on=date(2026, 1, 1),
                   status="verified")
    )  # fmt: skip
    db_session.flush()
    got = client.get("/api/v1/me/requirements", headers=bearer(trainee)).json
    assert got["program"] == program.slug and got["eligible"] is False
    by_id = {r["id"]: r for r in got["requirements"]}
    assert by_id["modules"]["met"] and by_id["psychomotor"]["met"]
    assert by_id["sessions"] == {
        "kind": "logbook", "id": "sessions", "title": "Supervised sessions", "required": 2,
        "done": 0, "met": False, "missing": "2 more supervised sessions",
    }  # fmt: skip
    for _ in range(2):
        entry_id = client.post(
            "/api/v1/me/logbook", json=entry_body(supervisor.email), headers=bearer(trainee)
        ).json["id"]
        client.post(
            f"/api/v1/logbook/{entry_id}/decision",
            json={"decision": "approve"},
            headers=bearer(supervisor),
        )
    got = client.get("/api/v1/me/requirements", headers=bearer(trainee)).json
    assert got["eligible"] is True
    completion = db_session.scalars(
        sa.select(Completion).where(Completion.user_id == trainee.id)
    ).one()
    assert completion.program_id == program.id


def test_hours_ledger_lists_entries(client, db_session, world):
    _, _, trainee, _ = world
    assert client.get("/api/v1/me/hours", headers=bearer(trainee)).json == []
