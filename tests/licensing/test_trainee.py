"""The trainee side: "Where can I practise?", the chosen jurisdictions, the API contract."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.licensing.models import ChosenJurisdiction
from tests.conftest import csrf_token_from
from tests.licensing.helpers import add_hours, import_shipped

FL = "us-fl-physical-therapist"


def _part_way(db_session, user):
    for day in range(1, 12):  # 11 days x 4 hours
        add_hours(db_session, user, "in_person", 4, date(2026, 3, day))
    add_hours(db_session, user, "self_paced_online", 6)


def test_api_lists_every_jurisdiction_of_the_profession_with_quantified_gaps(
    client, login_as, db_session
):
    import_shipped(db_session)
    user = login_as("trainee", licensed_since=date(2025, 6, 1))
    _part_way(db_session, user)
    response = client.get("/api/v1/me/jurisdictions")
    assert response.status_code == 200, response.json
    body = response.json
    assert {j["profession"] for j in body} == {"physical_therapist"}
    assert len(body) >= 15
    assert all(
        set(j) == {"id", "name", "profession", "chosen", "status", "missing", "as_of", "review_by"}
        for j in body
    )
    assert {j["status"] for j in body} <= {"met", "not_met", "unconfirmed"}
    fl = next(j for j in body if j["id"] == FL)
    assert fl["status"] == "not_met" and fl["chosen"] is False
    by_kind = {g["kind"]: g for g in fl["missing"]}
    assert (by_kind["hours"]["needed"], by_kind["hours"]["have"]) == (50, 44)
    assert "6 of your 50 hours are self-paced online" in by_kind["hours"]["message"]
    assert (by_kind["sessions"]["needed"], by_kind["sessions"]["have"]) == (25, 0)
    assert by_kind["years_licensed"]["needed"] == 2
    assert all(set(g) == {"kind", "needed", "have", "message"} for g in fl["missing"])


def test_a_trainee_without_a_profession_sees_none(client, login_as, db_session):
    import_shipped(db_session)
    login_as("trainee", profession="")
    assert client.get("/api/v1/me/jurisdictions").json == []
    assert "Choose your profession" in client.get("/jurisdictions").get_data(as_text=True)


def test_chosen_jurisdictions_are_stored_audited_and_on_the_dashboard(client, login_as, db_session):
    import_shipped(db_session)
    user = login_as("trainee")
    _part_way(db_session, user)
    page = client.get("/jurisdictions").get_data(as_text=True)
    assert "Florida" in page and "Supervised sessions: 0 of 25" in page
    token = csrf_token_from(page)
    response = client.post(
        "/jurisdictions", data={"csrf_token": token, "chosen": [FL, "us-ut-physical-therapist"]}
    )
    assert response.status_code == 302
    stored = db_session.scalars(
        sa.select(ChosenJurisdiction.rule_id).where(ChosenJurisdiction.user_id == user.id)
    ).all()
    assert sorted(stored) == [FL, "us-ut-physical-therapist"]
    event = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "jurisdictions.chosen")
    ).one()
    assert event.details["after"] == sorted(stored)
    chosen = {j["id"] for j in client.get("/api/v1/me/jurisdictions").json if j["chosen"]}
    assert chosen == set(stored)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "My jurisdictions" in dashboard and "Hours: 44 of 50" in dashboard


def test_a_rule_of_another_profession_cannot_be_chosen(client, login_as, db_session):
    import_shipped(db_session)
    user = login_as("trainee")
    token = csrf_token_from(client.get("/jurisdictions").get_data(as_text=True))
    client.post("/jurisdictions", data={"csrf_token": token, "chosen": ["us-nd-chiropractor"]})
    assert not db_session.scalars(
        sa.select(ChosenJurisdiction).where(ChosenJurisdiction.user_id == user.id)
    ).all()


def test_the_demo_trainee_sees_several_jurisdictions_with_quantified_gaps(app, runner, db_session):
    from app.auth.services import find_user_by_email
    from app.licensing import queries

    result = runner.invoke(args=["demo", "setup"])
    assert result.exit_code == 0, result.output
    trainee = find_user_by_email(db_session, "trainee@demo.example")
    assert (trainee.profession, trainee.licensed_since) == ("physical_therapist", date(2024, 6, 1))
    standings = queries.standings(db_session, trainee)
    assert len(standings) >= 15
    gaps = [g for s in standings for g in s.result.missing if g.kind in ("hours", "sessions")]
    assert len({s.rule.id for s in standings if s.result.missing}) >= 5
    assert any(0 < g.have < g.needed for g in gaps)  # part-way through, not at zero
