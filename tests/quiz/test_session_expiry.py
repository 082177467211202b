"""R12: a session that ends mid-attempt: the autosave gets a 401, nothing is lost or changed,
and after logging in again the kept draft is sent and accepted."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token_from, login
from tests.quiz.test_pages import item_type, items_of, page, start

pytestmark = pytest.mark.usefixtures("bank")


def autosave(client, attempt_id: int, position: int, token: str, text: str, seq: int):
    return client.post(
        f"/attempts/{attempt_id}/items/{position}/autosave",
        data={"csrf_token": token, "seq": str(seq), "text": text},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )


def test_autosave_after_the_session_ended_is_a_401_and_the_draft_is_accepted_later(
    client, login_as, db_session
) -> None:
    user = login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "short_answer")
    token = csrf_token_from(page(client, attempt_id, item.position))

    client.delete_cookie(client.application.config.get("SESSION_COOKIE_NAME", "session"))
    lost = autosave(client, attempt_id, item.position, token, "twitch", 0)
    assert lost.status_code == 401
    assert lost.get_json()["error"]["code"] == "session_expired"
    assert items_of(db_session, attempt_id)[item.position - 1].response is None

    assert login(client, user.email).status_code == 302
    fresh = csrf_token_from(page(client, attempt_id, item.position))
    resent = autosave(client, attempt_id, item.position, fresh, "twitch", 0)
    assert resent.status_code == 200, resent.get_data(as_text=True)
    assert items_of(db_session, attempt_id)[item.position - 1].response == {"text": "twitch"}
