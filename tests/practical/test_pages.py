"""The practical pages: my requirements, logging by the form, sign-off, adverse events."""

from __future__ import annotations

import sqlalchemy as sa

from app.practical.models import LogbookEntry
from tests.conftest import csrf_token_from, login
from tests.practical.helpers import eligible_supervisor, practical_program


def _form(supervisor_email: str, token: str, **changes) -> dict:
    data = {
        "csrf_token": token,
        "performed_on": "2026-01-15",
        "patient_code": "P-0042",
        "region": "cervical",
        "muscles": "upper trapezius, levator scapulae",
        "needles_in": "2",
        "needles_out": "2",
        "adverse_event": "Transient dizziness",
        "supervisor_email": supervisor_email,
        "reflection": "",
    }
    data.update(changes)
    return data


def test_a_trainee_logs_by_the_form_and_the_supervisor_signs_it_off(
    app, client, login_as, db_session
):
    practical_program(db_session)
    supervisor = eligible_supervisor(db_session)
    db_session.commit()
    login_as("trainee")
    page = client.get("/requirements")
    assert page.status_code == 200 and "Supervised sessions" in page.get_data(as_text=True)
    token = csrf_token_from(client.get("/logbook").get_data(as_text=True))
    refused = client.post("/logbook", data=_form(supervisor.email, token, patient_code="Ann Lee"))
    assert refused.status_code == 400 and "patient_code" in refused.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LogbookEntry)) == 0
    assert client.post("/logbook", data=_form(supervisor.email, token)).status_code == 302
    entry = db_session.scalars(sa.select(LogbookEntry)).one()

    supervisor_client = app.test_client()
    assert login(supervisor_client, supervisor.email).status_code == 302
    sign = supervisor_client.get("/logbook/sign").get_data(as_text=True)
    assert "P-0042" in sign
    decided = supervisor_client.post(
        f"/logbook/{entry.id}/decide",
        data={"csrf_token": csrf_token_from(sign), "decision": "approve", "comment": ""},
    )
    assert decided.status_code == 302
    db_session.refresh(entry)
    assert entry.status.value == "approved"


def test_the_adverse_event_summary_lists_events_for_admins(client, login_as, db_session):
    program, _ = practical_program(db_session)
    supervisor = eligible_supervisor(db_session)
    from datetime import date

    from app.practical import logbook
    from tests import factories

    trainee = factories.make_user("trainee")
    logbook.log_session(
        db_session,
        trainee,
        program,
        logbook.LogbookInput(date(2026, 1, 1), "K-9", "thoracic", ["rhomboid"], 1, 1,
                             "Pneumothorax suspected, referred", supervisor.email, ""),
    )  # fmt: skip
    db_session.commit()
    login_as("admin")
    html = client.get("/admin/adverse-events").get_data(as_text=True)
    assert (
        "Pneumothorax suspected, referred" in html and "100 %" in html
    )  # a number as the locale writes it
