"""Progress over the JSON API: /api/v1/me/progress and /api/v1/me/practice, in the OpenAPI doc."""

from __future__ import annotations

import pytest

from tests import factories
from tests.progress.bank import SENTINEL, take

pytestmark = pytest.mark.usefixtures("program")


@pytest.fixture
def bearer(app, db_session):
    def make(role: str = "trainee"):
        user = factories.make_user(role)
        issued = factories.make_token(user)
        db_session.commit()
        return user, {"Authorization": f"Bearer {issued.secret}"}

    return make


def test_progress_endpoints_are_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "get" in doc["paths"]["/api/v1/me/progress"]
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/me/practice"])


def test_progress_json_has_modules_mastery_history_and_practice(client, bearer, db_session):
    user, headers = bearer()
    take(db_session, user, "m1-exam", right=False)
    db_session.commit()
    body = client.get("/api/v1/me/progress", headers=headers).get_json()
    assert body["program"] == "Dry Needling Foundations"
    states = {m["slug"]: m["status"] for m in body["modules"]}
    assert states == {"m1-exam": "failed", "m2-exam": "locked", "m3-exam": "not_started"}
    assert body["modules"][0]["attempts_left"] == 1
    anatomy = next(t for t in body["mastery"]["topics"] if t["key"] == "anatomy")
    assert anatomy["answered"] == 4 and anatomy["mastery"] < 0.5
    assert body["mastery"]["weak_topics"] == ["anatomy"]
    assert body["history"][0]["percent"] == 0
    assert body["practice"]["due"] == 0  # Again → due in a minute
    assert "email" not in str(body)


def test_practice_over_the_api_serves_then_scores(client, bearer, db_session):
    _, headers = bearer()
    served = client.get("/api/v1/me/practice?limit=3", headers=headers)
    assert served.status_code == 200
    text = served.get_data(as_text=True)
    assert SENTINEL not in text
    items = served.get_json()["items"]
    assert len(items) == 3 and all(i["reason"] == "new" for i in items)
    item = items[0]
    option = item["question"]["options"][0]["id"]
    answered = client.post(
        "/api/v1/me/practice",
        json={"token": item["token"], "response": {"choice": option}},
        headers=headers,
    )
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert body["objective"] == item["objective"]
    assert "feedback" in body["question"] and body["replayed"] is False
    again = client.post(
        "/api/v1/me/practice",
        json={"token": item["token"], "response": {"choice": option}},
        headers=headers,
    ).get_json()
    assert again["replayed"] is True


def test_practice_api_refuses_bad_tokens_and_responses(client, bearer):
    _, headers = bearer()
    bad = client.post(
        "/api/v1/me/practice", json={"token": "forged", "response": {}}, headers=headers
    )
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "invalid_practice_item"
    item = client.get("/api/v1/me/practice", headers=headers).get_json()["items"][0]
    wrong_shape = client.post(
        "/api/v1/me/practice",
        json={"token": item["token"], "response": {"choice": "not-an-option"}},
        headers=headers,
    )
    assert wrong_shape.status_code == 400
    assert wrong_shape.get_json()["error"]["code"] == "invalid_response"


def test_practice_api_is_for_trainees_only(client, bearer):
    _, headers = bearer("instructor")
    assert client.get("/api/v1/me/progress", headers=headers).status_code == 403
    assert client.get("/api/v1/me/practice", headers=headers).status_code == 403
    assert client.get("/api/v1/me/progress").status_code == 401
