"""Only trainees take assessments (issue 12): staff get 403 from every quiz API route, for every
method, and from every quiz, practice and attempt page, on a real trainee's open attempt, and
nothing is recorded (every table counted before and after; a refusal may only add the sampled
``access.denied`` audit event). (An instructor was issued a certificate through the API.)

tests/test_access_matrix.py states the same for every route and method on sample ids; these
tests use real modules and attempts, so a refusal cannot be a 404 in disguise."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.quiz.models import Attempt
from tests.conftest import csrf_token_from, login
from tests.quiz.helpers import key_of
from tests.quiz.test_pages import fields_for
from tests.rowcounts import table_counts, table_rows, without_audit


def _audit_actions_after(db_session, event_id: int) -> set[str]:
    return set(db_session.scalars(sa.select(AuditEvent.action).where(AuditEvent.id > event_id)))


def _last_event(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


@pytest.mark.parametrize("role", ["instructor", "admin"])
def test_staff_get_403_from_every_quiz_api_route_and_record_nothing(
    bank, make_trainee, db_session, role
):
    trainee = make_trainee()
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    staff = make_trainee(role)
    before = db_session.scalar(sa.select(sa.func.count()).select_from(Attempt))
    rows, last = table_counts(db_session), _last_event(db_session)
    calls = [
        staff.get("/api/v1/modules"),
        staff.post("/api/v1/modules/types-exam/attempts"),
        staff.get(f"/api/v1/attempts/{attempt['id']}"),
        staff.save(attempt["id"], item["id"], None, 0),
        staff.submit(attempt["id"]),
    ]
    assert [c.status_code for c in calls] == [403] * 5
    assert all(c.json["error"]["code"] == "forbidden" for c in calls)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == before
    assert without_audit(table_counts(db_session)) == without_audit(rows)
    assert _audit_actions_after(db_session, last) <= {"access.denied"}


def test_the_quiz_api_routes_are_all_covered_above(app):
    """Whoever adds a quiz API route adds it to the test above."""
    rules = sorted(
        (r.rule, tuple(sorted(r.methods - {"HEAD", "OPTIONS"})))
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("api_quiz.")
    )
    assert rules == [
        ("/api/v1/attempts/<int:attempt_id>", ("GET",)),
        ("/api/v1/attempts/<int:attempt_id>/items/<int:item_id>", ("PUT",)),
        ("/api/v1/attempts/<int:attempt_id>/submit", ("POST",)),
        ("/api/v1/modules", ("GET",)),
        ("/api/v1/modules/<string:slug>/attempts", ("POST",)),
    ]


@pytest.mark.parametrize("role", ["instructor", "admin"])
def test_staff_get_403_from_every_quiz_and_practice_page_and_record_nothing(
    app, bank, make_trainee, db_session, role
):
    """Every quiz, practice and attempt HTML route (and the practice API), with the session
    cookie and a valid CSRF token, on a trainee's real open attempt: 403, no row written."""
    trainee = make_trainee()
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    staff = make_trainee(role)
    client = app.test_client()
    assert login(client, staff.user.email).status_code == 302
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    kind = db_session.get(Attempt, attempt["id"]).items[0].question_version.type.value
    answer = {
        "csrf_token": token,
        "seq": str(item["seq"]),
        "action": "check",
        **fields_for(kind, key_of(db_session, item["id"])),
    }
    a = f"/attempts/{attempt['id']}"
    rows, last = table_rows(db_session), _last_event(db_session)
    gets = ["/modules", "/modules/types-exam", a, f"{a}/items/1", f"{a}/summary", f"{a}/result"]
    gets += ["/dashboard", "/practice", "/api/v1/me/progress", "/api/v1/me/practice"]
    posts = [
        client.post("/modules/types-exam/start", data={"csrf_token": token}),
        client.post("/modules/types-practice/start", data={"csrf_token": token}),
        client.post(f"{a}/items/1", data=answer),
        client.post(f"{a}/items/1/autosave", data=answer, headers={"Accept": "application/json"}),
        client.post(f"{a}/submit", data={"csrf_token": token, "confirm": "y"}),
        client.post("/practice", data={"csrf_token": token, "token": "x", "choice": "x"}),
        client.post(
            "/api/v1/me/practice",
            json={"token": "x", "response": {}},
            headers={"X-CSRFToken": token},
        ),
    ]
    statuses = [client.get(url).status_code for url in gets] + [p.status_code for p in posts]
    assert statuses == [403] * len(statuses)
    assert without_audit(table_rows(db_session)) == without_audit(rows)  # no row changed
    assert _audit_actions_after(db_session, last) <= {"access.denied"}
    # The trainee's attempt is untouched: still open, nothing answered.
    assert trainee.attempt(attempt["id"]).json["status"] == "in_progress"
    assert trainee.attempt(attempt["id"]).json["items"][0]["answered"] is False
