"""The attempt page keeps decoded question versions per worker (app/quiz/versions.py, issue 19):
a repeated page reads only the attempt and its items, and shows exactly what it shows with the
cache switched off (versions loaded and decoded with the attempt on every request)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from app.quiz import versions
from tests.quiz.helpers import key_of
from tests.quiz.test_pages import answer_correctly, items_of, page, start, submit

pytestmark = pytest.mark.usefixtures("bank")

SLUGS = ["types-exam", "types-practice", "case-exam", "score-exam", "correctness-exam"]


def _reads_versions(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM question_versions" in s]


@pytest.fixture
def cache_off() -> Iterator[None]:
    versions.set_enabled(False)
    yield
    versions.set_enabled(True)


def _both(read) -> tuple:
    """``read()`` with the cache off, then on (twice: the second view is served from it)."""
    versions.set_enabled(False)
    try:
        off = read()
    finally:
        versions.set_enabled(True)
    read()
    return off, read()


def _same_page(html: str) -> str:
    """The page without what differs between two requests anyway (CSP nonce, CSRF token)."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:value|content)=")[^"]*"', r'\1"', html)


def test_the_api_view_after_the_start_does_not_read_question_versions(trainee, count_queries):
    with count_queries() as started:
        attempt = trainee.start("types-exam").json
    with count_queries() as view:
        assert trainee.attempt(attempt["id"]).status_code == 200
    # The start answers with the page, which reads the drawn versions; the next page none.
    assert _reads_versions(started.statements)
    assert _reads_versions(view.statements) == [], view.statements


def test_the_second_take_page_does_not_read_question_versions(
    client, login_as, db_session, count_queries
):
    login_as("trainee")
    attempt_id = start(client, "case-exam")
    with count_queries() as first:
        page(client, attempt_id, 1)
    with count_queries() as second:
        page(client, attempt_id, 2)
    assert len(_reads_versions(first.statements)) == 1
    assert _reads_versions(second.statements) == [], second.statements
    assert second.count == first.count - 1


def test_with_the_cache_off_the_page_reads_versions_every_time(trainee, count_queries, cache_off):
    attempt = trainee.start("types-exam").json
    for _ in range(2):
        with count_queries() as view:
            assert trainee.attempt(attempt["id"]).status_code == 200
        assert len(_reads_versions(view.statements)) == 1


@pytest.mark.parametrize("slug", SLUGS)
def test_the_api_page_is_the_same_with_the_cache_on_and_off(trainee, db_session, slug):
    attempt = trainee.start(slug).json
    first = attempt["items"][0]
    trainee.save(attempt["id"], first["id"], key_of(db_session, first["id"]), 0)
    off, on = _both(lambda: trainee.attempt(attempt["id"]).get_data())
    assert on == off
    trainee.submit(attempt["id"])  # the review, as the policy allows
    off, on = _both(lambda: trainee.attempt(attempt["id"]).get_data())
    assert on == off


@pytest.mark.parametrize("slug", SLUGS)
def test_the_take_page_is_the_same_with_the_cache_on_and_off(
    client, login_as, db_session, frozen_clock, slug
):
    login_as("trainee")
    attempt_id = start(client, slug)
    items = items_of(db_session, attempt_id)
    answer_correctly(client, db_session, attempt_id, items[0], action="save")
    for position in range(1, len(items) + 1):
        off, on = _both(lambda p=position: _same_page(page(client, attempt_id, p)))
        assert on == off, position
    assert submit(client, attempt_id).status_code == 302
    url = f"/attempts/{attempt_id}/result"
    off, on = _both(lambda: _same_page(client.get(url).get_data(as_text=True)))
    assert on == off


def test_the_cache_keeps_the_most_recently_used_versions(
    trainee, db_session, monkeypatch, count_queries
):
    monkeypatch.setattr(versions, "MAX_VERSIONS", 3)
    attempt = trainee.start("types-exam").json  # nine versions: the last three are kept
    ids = [i.question_version_id for i in items_of(db_session, attempt["id"])]
    kept = [v for v in ids if versions.get(v) is not None]
    assert len(kept) == 3
    with count_queries() as view:
        assert trainee.attempt(attempt["id"]).status_code == 200
    assert len(_reads_versions(view.statements)) == 1  # the six others, in one statement


def test_an_attempt_read_with_its_items_is_freed_without_the_garbage_collector(
    app, trainee, db_session, count_queries
):
    """queries.attempt_for fills the attempt's items without each item's attempt: no reference
    cycle, so the request's items go when their last reference does, not at a collection. An
    item's attempt, when asked for, comes from the session without a query."""
    import gc
    import weakref

    from app.quiz import queries

    attempt_id = trainee.start("types-exam").json["id"]
    was = gc.isenabled()
    gc.disable()
    try:
        attempt = queries.attempt_for(db_session, trainee.user.id, attempt_id)
        assert len(attempt.items) > 2
        refs = [weakref.ref(attempt), *(weakref.ref(item) for item in attempt.items)]
        db_session.expunge_all()
        del attempt
        assert [ref() for ref in refs] == [None] * len(refs)
    finally:
        if was:
            gc.enable()
    attempt = queries.attempt_for(db_session, trainee.user.id, attempt_id)
    with count_queries() as asked:
        assert all(item.attempt is attempt for item in attempt.items)
    assert asked.count == 0, asked.statements
