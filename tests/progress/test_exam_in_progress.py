"""Practice during an open exam (issue 12): practice modules share the exam's pools and show
keys on check, so while a trainee has an exam open every way into practice answers 409
``exam_in_progress`` and nothing is served or recorded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.progress.models import PracticeAnswer
from app.quiz.models import Attempt
from tests import factories

pytestmark = pytest.mark.usefixtures("program")


@pytest.fixture
def trainee(app, db_session):
    user = factories.make_user("trainee")
    issued = factories.make_token(user)
    db_session.commit()
    return user, {"Authorization": f"Bearer {issued.secret}"}


def _count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_practice_is_refused_while_an_exam_is_open(client, trainee, db_session):
    _, headers = trainee
    served = client.get("/api/v1/me/practice?limit=1", headers=headers).get_json()
    token = served["items"][0]["token"]
    option = served["items"][0]["question"]["options"][0]["id"]

    exam = client.post("/api/v1/modules/m1-exam/attempts", headers=headers)
    assert exam.status_code == 201, exam.get_json()
    attempts, answers = _count(db_session, Attempt), _count(db_session, PracticeAnswer)

    refused = [
        client.get("/api/v1/me/practice?limit=1", headers=headers),
        client.post(
            "/api/v1/me/practice",
            json={"token": token, "response": {"choice": option}},
            headers=headers,
        ),
        client.post("/api/v1/modules/anatomy-practice/attempts", headers=headers),
    ]
    assert [r.status_code for r in refused] == [409, 409, 409]
    assert {r.get_json()["error"]["code"] for r in refused} == {"exam_in_progress"}
    assert _count(db_session, Attempt) == attempts
    assert _count(db_session, PracticeAnswer) == answers

    submitted = client.post(f"/api/v1/attempts/{exam.get_json()['id']}/submit", headers=headers)
    assert submitted.status_code == 200
    assert client.get("/api/v1/me/practice?limit=1", headers=headers).status_code == 200
    assert (
        client.post("/api/v1/modules/anatomy-practice/attempts", headers=headers).status_code == 201
    )


def test_checking_an_open_practice_attempt_is_refused_once_an_exam_opens(
    client, trainee, db_session
):
    _, headers = trainee
    practice = client.post("/api/v1/modules/anatomy-practice/attempts", headers=headers)
    assert practice.status_code == 201
    item = practice.get_json()["items"][0]
    assert client.post("/api/v1/modules/m1-exam/attempts", headers=headers).status_code == 201
    url = f"/api/v1/attempts/{practice.get_json()['id']}/items/{item['id']}"
    check = client.put(
        url, json={"response": None, "seq": item["seq"], "check": True}, headers=headers
    )
    assert check.status_code == 409
    assert check.get_json()["error"]["code"] == "exam_in_progress"
    # Saving without checking shows no key, so it stays possible.
    save = client.put(url, json={"response": None, "seq": item["seq"]}, headers=headers)
    assert save.status_code == 200


def test_the_practice_page_says_why(client, login_as, db_session):
    login_as("trainee")
    from tests.conftest import csrf_token_from

    page = client.get("/modules/m1-exam")
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post("/modules/m1-exam/start", data={"csrf_token": token}).status_code == 302
    response = client.get("/practice")
    assert response.status_code == 409
    assert "exam open" in response.get_data(as_text=True)
