"""Query counts per request are constant in the number of questions (DESIGN.md §6)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token_from, login
from tests.factories import make_user
from tests.quiz.bank import build_bank

SAVE_LIMIT = 4  # a first save: the user, the settings, the attempt with its item, the update
# A view or review: the user, the attempt with its items, the breakdown, and the settings
# administrators keep in the database (the attempt grace: one query per request).
VIEW_LIMIT = 7
# A start: the user, the module and whether it may start (the trainee's programs in one
# query), the pool and its exposure, the attempt, its items in one statement, what it served.
# Not the attempt read back: a new attempt is shown as written (services.detach_started).
START_LIMIT = 16
# A submit: the user, the settings, the attempt, its claim, its items, their scores in one
# statement, the attempt's result; the trainee's progress (the items' topics, the tallies read
# and written: a first submit also makes the tallies, in a savepoint); the LTI line items.
# Not the attempt read back: the answer is the attempt as graded.
SUBMIT_LIMIT = 13  # was 18


@pytest.fixture
def big_bank(db_session, tmp_path) -> None:
    build_bank(db_session, tmp_path / "bank", bulk=40)
    db_session.commit()


def _measure(client, headers, count_queries, slug):
    with count_queries() as start:
        started = client.post(f"/api/v1/modules/{slug}/attempts", headers=headers)
        assert started.status_code == 201
    attempt = started.json
    url = f"/api/v1/attempts/{attempt['id']}"
    first, last = attempt["items"][0], attempt["items"][-1]
    client.put(f"{url}/items/{first['id']}", json={"response": None, "seq": 0}, headers=headers)
    with count_queries() as view:
        assert client.get(url, headers=headers).status_code == 200
    with count_queries() as save:
        response = client.put(
            f"{url}/items/{last['id']}", json={"response": None, "seq": 0}, headers=headers
        )
        assert response.status_code == 200
    with count_queries() as submit:
        assert client.post(f"{url}/submit", headers=headers).status_code == 200
    with count_queries() as review:
        assert client.get(url, headers=headers).status_code == 200
    with count_queries() as modules:
        assert client.get("/api/v1/modules", headers=headers).status_code == 200
    return {
        "start": start.count,
        "start_sql": start.statements,
        "view": view.count,
        "save": save.count,
        "submit": submit.count,
        "review": review.count,
        "modules": modules.count,
        "save_sql": save.statements,
        "submit_sql": submit.statements,
    }


def test_counts_do_not_grow_with_the_number_of_questions_browser(
    app, big_bank, db_session, count_queries
):
    counts = []
    for slug in ("bulk-5", "bulk-40"):  # a fresh trainee each, so both start from nothing
        user = make_user()
        db_session.commit()
        browser = app.test_client()
        login(browser, user.email)
        headers = {"X-CSRFToken": csrf_token_from(browser.get("/profile").text)}
        counts.append(_measure(browser, headers, count_queries, slug))
    small, large = counts
    for key in ("start", "view", "save", "submit", "review", "modules"):
        assert small[key] == large[key], key
    assert large["save"] <= SAVE_LIMIT, large["save_sql"]
    assert large["start"] <= START_LIMIT, large["start_sql"]
    assert large["submit"] <= SUBMIT_LIMIT, large["submit_sql"]
    assert large["view"] <= VIEW_LIMIT and large["review"] <= VIEW_LIMIT


def test_counts_do_not_grow_with_the_number_of_questions_token(
    big_bank, make_trainee, count_queries
):
    one, two = make_trainee(), make_trainee()
    small = _measure(one.client, one.headers, count_queries, "bulk-5")
    large = _measure(two.client, two.headers, count_queries, "bulk-40")
    for key in ("start", "view", "save", "submit", "review", "modules"):
        assert small[key] == large[key], key
    assert large["save"] <= SAVE_LIMIT, large["save_sql"]
    assert large["start"] <= START_LIMIT, large["start_sql"]
    assert large["submit"] <= SUBMIT_LIMIT, large["submit_sql"]
