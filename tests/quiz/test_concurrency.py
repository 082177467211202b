"""Races on a committed database, one client per thread (SECURITY.md A12, R4-R6)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from app.quiz import services
from app.quiz.models import Attempt, AttemptItem
from tests.conftest import csrf_token_from
from tests.quiz.helpers import key_of

pytestmark = pytest.mark.committed_db


class Browser:
    """One browser tab: the trainee's session cookie and CSRF token on a client of its own.

    (Session cookies, not bearer tokens: every bearer request also writes the token's
    last_used_at, which is outside what these tests race.)
    """

    def __init__(self, app, cookie: str, csrf: str) -> None:
        self.client = app.test_client()
        self.client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
        self.headers = {"X-CSRFToken": csrf}

    def start(self, slug: str) -> Any:
        return self.client.post(f"/api/v1/modules/{slug}/attempts", headers=self.headers)

    def submit(self, attempt_id: int) -> Any:
        return self.client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=self.headers)

    def save(self, attempt_id: int, item_id: int, response: Any, seq: int) -> Any:
        return self.client.put(
            f"/api/v1/attempts/{attempt_id}/items/{item_id}",
            json={"response": response, "seq": seq},
            headers=self.headers,
        )


@pytest.fixture
def tabs(app, client, login_as) -> Callable[[int], list[Browser]]:
    login_as("trainee")
    csrf = csrf_token_from(client.get("/profile").text)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value

    def open_tabs(n: int) -> list[Browser]:
        return [Browser(app, cookie, csrf) for _ in range(n)]

    return open_tabs


def _race(browsers: list[Browser], call: Callable[[Browser], Any]) -> list[Any]:
    """Run ``call`` once per browser, in threads released together."""
    barrier = threading.Barrier(len(browsers))

    def run(browser: Browser) -> Any:
        barrier.wait()
        response = call(browser)
        return response.status_code, response.json

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        return list(pool.map(run, browsers))


def test_twenty_concurrent_starts_make_exactly_one_attempt(bank, tabs, db_session):
    results = _race(tabs(20), lambda t: t.start("limited-exam"))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1, results
    assert set(statuses) <= {200, 201}, results
    assert len({body["id"] for _, body in results}) == 1
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_ten_concurrent_submits_make_exactly_one_grade(bank, tabs, db_session):
    browsers = tabs(10)
    attempt = browsers[0].start("types-exam").json
    item = attempt["items"][0]
    browsers[0].save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    graded: list[int] = []
    lock = threading.Lock()

    def count(_session, graded_attempt) -> None:
        with lock:
            graded.append(graded_attempt.id)

    services.after_grading.append(count)
    try:
        results = _race(browsers, lambda t: t.submit(attempt["id"]))
    finally:
        services.after_grading.remove(count)
    assert graded == [attempt["id"]]
    ok = [body for status, body in results if status == 200]
    assert all(status in (200, 409) for status, _ in results), results
    assert ok and all(body == ok[0] for body in ok)
    assert ok[0]["score"] == 1.0


def test_two_tabs_saving_the_same_seq_one_wins_one_is_refused(bank, tabs, db_session):
    browsers = tabs(2)
    attempt = browsers[0].start("types-exam").json
    item = next(i for i in attempt["items"] if i["type"] == "numeric")
    values = iter([1, 2])
    lock = threading.Lock()

    def save(t: Browser) -> Any:
        with lock:
            value = next(values)
        return t.save(attempt["id"], item["id"], {"value": value}, 0)

    results = _race(browsers, save)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    db_session.expire_all()
    row = db_session.get(AttemptItem, item["id"])
    assert row.seq == 1 and row.response["value"] in (1.0, 2.0)
