"""Hostile numbers on the quiz (issue 12): ids beyond the 32-bit columns and huge ``seq`` values
get a 4xx and save nothing, on both databases (each was a 500 on PostgreSQL)."""

from __future__ import annotations

from app.quiz.models import AttemptItem

# ---------------------------------------------------------------- numbers and ids


def test_ids_beyond_the_integer_column_are_404(trainee, login_as, client):
    for attempt_id in (2**31, 2**63, 10**30):
        response = trainee.get(f"/api/v1/attempts/{attempt_id}")
        assert response.status_code == 404, attempt_id
        assert response.json["error"]["code"] == "not_found"
    login_as("trainee")
    assert client.get(f"/attempts/{2**40}").status_code == 404
    assert client.get(f"/attempts/1/items/{2**31}").status_code == 404


def test_huge_seq_is_a_400_and_saves_nothing(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    for seq in (2**70, -(2**70)):
        refused = trainee.save(attempt["id"], item["id"], None, seq)
        assert refused.status_code == 400, seq
        assert "seq" in refused.json["error"]["message"]
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.seq == 0 and row.response is None


def test_seq_beyond_the_column_but_safe_in_json_is_still_refused(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    refused = trainee.save(attempt["id"], item["id"], None, 2**40)
    assert 400 <= refused.status_code < 500
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.seq == 0


def test_huge_seq_in_the_html_autosave_is_a_400_and_saves_nothing(
    bank, client, login_as, db_session
):
    from tests.quiz.test_pages import autosave, item_type, items_of, start

    login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "short_answer")
    for seq in (2**31, 2**70):
        refused = autosave(client, attempt_id, item.position, {"text": "twitch"}, seq)
        assert refused.status_code == 400, seq
    row = items_of(db_session, attempt_id)[item.position - 1]
    assert row.seq == 0 and row.response is None
