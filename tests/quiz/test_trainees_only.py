"""Only trainees take assessments (issue 12): staff get 403 from every quiz API route, for every
method, and nothing is recorded. (An instructor was issued a certificate through the API.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.quiz.models import Attempt


@pytest.mark.parametrize("role", ["instructor", "admin"])
def test_staff_get_403_from_every_quiz_api_route_and_record_nothing(
    bank, make_trainee, db_session, role
):
    trainee = make_trainee()
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    staff = make_trainee(role)
    before = db_session.scalar(sa.select(sa.func.count()).select_from(Attempt))
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
