"""The pages' saves (quiz.js's fetch, ``POST …/items/<n>/autosave``, and the form, ``POST
…/items/<n>``) without loading the attempt (issue 19, ``services.save_at_position``): a second
save of an item is the session's user, the site settings and one conditional UPDATE, and
every answer (JSON, redirect, error, stored row) is the one the full path gives."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from app.quiz import services, shapes
from app.quiz.models import AttemptItem
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.quiz.test_pages import item_type, items_of, page, start, submit

pytestmark = pytest.mark.usefixtures("bank")


def _kinds(statements: list[str]) -> list[str]:
    """Each statement as its verb and first table (``SELECT users``, ``UPDATE attempt_items``)."""
    out = []
    for s in statements:
        words = s.split()
        table = words[words.index("FROM") + 1] if words[0] == "SELECT" else words[1]
        out.append(f"{words[0]} {table}")
    return out


class Page:
    """A logged-in trainee's attempt at a module, posting as quiz.js and the form do."""

    def __init__(self, client: Any, slug: str = "types-exam") -> None:
        self.client = client
        self.attempt_id = start(client, slug)
        self.token = csrf_token_from(page(client, self.attempt_id, 1))

    def position(self, db_session: Any, kind: str) -> int:
        items = items_of(db_session, self.attempt_id)
        return next(i.position for i in items if item_type(i) == kind)

    def autosave(self, position: int, seq: int, **fields: str) -> Any:
        return self.client.post(
            f"/attempts/{self.attempt_id}/items/{position}/autosave",
            data={"csrf_token": self.token, "seq": str(seq), **fields},
            headers={"X-CSRFToken": self.token, "Accept": "application/json"},
        )

    def post(self, position: int, seq: int, action: str = "save", **fields: str) -> Any:
        data = {"csrf_token": self.token, "seq": str(seq), "action": action, **fields}
        return self.client.post(f"/attempts/{self.attempt_id}/items/{position}", data=data)


def test_a_second_autosave_of_an_item_is_one_update(client, login_as, db_session, count_queries):
    login_as("trainee")
    trainee = Page(client)
    position = trainee.position(db_session, "numeric")
    with count_queries() as first:
        assert trainee.autosave(position, 0, value="20").json["seq"] == 1
    with count_queries() as second:
        saved = trainee.autosave(position, 1, value="21")
    assert saved.status_code == 200 and saved.json["seq"] == 2
    # The session's user, the attempt grace (site settings), the conditional UPDATE: the
    # attempt is not loaded, nor read again after the commit, nor the user (Cache-Control).
    assert _kinds(second.statements) == [
        "SELECT users",
        "SELECT site_settings",
        "UPDATE attempt_items",
    ], second.statements
    # The first save of an item in a worker reads it once, with its attempt, by position (the
    # page shown before it left the question version with the worker).
    assert _kinds(first.statements) == [
        "SELECT users",
        "SELECT site_settings",
        "SELECT attempt_items",
        "UPDATE attempt_items",
    ], first.statements
    assert saved.headers["Cache-Control"] == "no-store"


def test_a_second_form_save_of_an_item_is_one_update(client, login_as, db_session, count_queries):
    login_as("trainee")
    trainee = Page(client)
    position = trainee.position(db_session, "numeric")
    trainee.post(position, 0, value="20")
    with count_queries() as second:
        saved = trainee.post(position, 1, action="next", value="21")
    assert saved.status_code == 302
    assert _kinds(second.statements) == [
        "SELECT users",
        "SELECT site_settings",
        "UPDATE attempt_items",
    ], second.statements
    assert saved.headers["Cache-Control"] == "no-store"


def test_an_unchanged_answer_is_not_written(client, login_as, db_session, count_queries):
    login_as("trainee")
    trainee = Page(client)
    position = trainee.position(db_session, "numeric")
    trainee.autosave(position, 0, value="20")
    with count_queries() as again:
        same = trainee.autosave(position, 1, value="20")
    assert same.status_code == 200 and same.json["seq"] == 1  # its seq stays
    assert not [s for s in again.statements if s.lstrip().upper().startswith("UPDATE")]


def test_a_save_after_another_tab_saved_is_stale(client, login_as, db_session):
    """The worker noted the answer at seq 1; another tab moved it to 2: the UPDATE matches no
    row and the full path refuses the stale save."""
    login_as("trainee")
    trainee = Page(client)
    position = trainee.position(db_session, "numeric")
    trainee.autosave(position, 0, value="20")
    assert trainee.post(position, 1, value="21").status_code == 302  # the other tab
    stale = trainee.autosave(position, 1, value="22")
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_save"
    row = items_of(db_session, trainee.attempt_id)[position - 1]
    assert (row.seq, row.response) == (2, {"value": 21.0})


def test_another_trainee_cannot_save_by_position_into_a_known_item(
    app, client, login_as, db_session
):
    login_as("trainee")
    owner = Page(client)
    position = owner.position(db_session, "numeric")
    owner.autosave(position, 0, value="20")  # the worker knows the item and its answer
    other = factories.make_user("trainee")
    db_session.commit()
    browser = app.test_client()
    login(browser, other.email)
    token = csrf_token_from(browser.get("/profile").get_data(as_text=True))
    refused = browser.post(
        f"/attempts/{owner.attempt_id}/items/{position}/autosave",
        data={"csrf_token": token, "seq": "1", "value": "99"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert refused.status_code == 404
    assert items_of(db_session, owner.attempt_id)[position - 1].response == {"value": 20.0}


# ---------------------------------------------------------------- the same answers as the full path


def _script(client: Any, db_session: Any, frozen_clock: Any) -> list[tuple[Any, ...]]:
    """Saves of every kind, through the fetch and the form; what each answered, and the rows."""
    trainee = Page(client)
    numeric = trainee.position(db_session, "numeric")
    choice = trainee.position(db_session, "single_choice")
    out: list[Any] = []

    def note(response: Any) -> None:
        # The JSON as sent, and the redirect (the attempt's id left out). A page shown again
        # (400, 409) is compared by its status: its opaque ids differ between attempts.
        body = response.get_data(as_text=True) if response.is_json else None
        location = response.headers.get("Location", "")
        out.append(
            tuple(re.sub(r"/attempts/\d+/", "/attempts/N/", x or "") for x in (body, location))
        )
        out.append((response.status_code, response.headers.get("Cache-Control")))

    steps = [
        lambda: trainee.autosave(numeric, 0, value="20"),  # a new answer
        lambda: trainee.autosave(numeric, 1, value="20"),  # unchanged: not written
        lambda: trainee.autosave(numeric, 1, value="20", flagged="y"),  # the flag alone
        lambda: trainee.autosave(numeric, 1, value="21", flagged="y"),  # changed, flag kept
        lambda: trainee.autosave(numeric, 1, value="22"),  # stale
        lambda: trainee.autosave(numeric, 1, value="21", flagged="y"),  # a replay
        lambda: trainee.autosave(numeric, 2, value="abc"),  # unreadable
        lambda: trainee.autosave(numeric, 2),  # left blank
        lambda: trainee.autosave(999, 2, value="1"),  # no such position
        lambda: trainee.autosave(numeric, 2, value="1e999"),  # not finite
        lambda: trainee.post(numeric, 2, action="next", value="23"),
        lambda: trainee.post(numeric, 3, action="previous", value="23"),  # unchanged
        lambda: trainee.post(numeric, 3, action="summary", value="24"),
        lambda: trainee.post(numeric, 4, action="next", value="24", flagged="y"),
        lambda: trainee.post(numeric, 3, action="save", value="25"),  # stale: the page again
        lambda: trainee.post(numeric, 4, action="save", value="x"),  # unreadable: the page
        lambda: trainee.autosave(choice, 0, choice="not-an-option"),  # rejected by the service
        lambda: trainee.post(choice, 0, action="next", choice="not-an-option"),
    ]
    for step in steps:
        frozen_clock.advance(seconds=7)
        note(step())
    frozen_clock.advance(seconds=7)
    assert submit(client, trainee.attempt_id).status_code == 302
    note(trainee.autosave(numeric, 4, value="30"))  # closed
    note(trainee.post(numeric, 4, value="30"))
    out.append(_rows(db_session, trainee.attempt_id))
    return out


def _rows(db_session: Any, attempt_id: int) -> list[tuple[Any, ...]]:
    rows = items_of(db_session, attempt_id)
    return sorted(
        (item_type(r), r.seq, r.response, r.flagged, r.saved_at, r.locked)
        for r in rows
        if item_type(r) in {"numeric", "single_choice"}
    )


def _late(client: Any, db_session: Any, frozen_clock: Any) -> list[Any]:
    trainee = Page(client, "timed-exam")
    numeric = trainee.position(db_session, "numeric")
    out = [trainee.autosave(numeric, 0, value="20").get_json()]
    frozen_clock.advance(minutes=31, seconds=30)  # past the deadline and its grace
    late = trainee.autosave(numeric, 1, value="21")
    out.append((late.status_code, re.sub(r"/attempts/\d+/", "/N/", late.get_data(as_text=True))))
    out.append(_rows(db_session, trainee.attempt_id))
    return out


@pytest.mark.parametrize("script", [_script, _late])
def test_every_save_answers_as_the_full_path_does(
    client, login_as, db_session, frozen_clock, monkeypatch, script
):
    login_as("trainee")
    # Both attempts draw the same questions in the same order.
    monkeypatch.setattr(services, "new_rng", lambda: random.Random(19))
    started = frozen_clock.now
    answered: list[services.PositionSave | None] = []
    real = services.save_at_position

    def recording(*args: Any, **kwargs: Any) -> services.PositionSave | None:
        answered.append(real(*args, **kwargs))
        return answered[-1]

    monkeypatch.setattr(services, "save_at_position", recording)
    quick = script(client, db_session, frozen_clock)
    # The quick path answered saves (written, and unchanged) and left others to the full path.
    assert {a.changed for a in answered if a is not None} == {True, False} or script is _late
    assert None in answered
    frozen_clock.set(started)
    shapes.forget_all()
    with monkeypatch.context() as patched:
        patched.setattr(services, "save_at_position", lambda *a, **k: None)  # the full path
        full = script(client, db_session, frozen_clock)
    assert quick == full


def test_the_form_save_redirects_where_the_button_says(client, login_as, db_session):
    login_as("trainee")
    trainee = Page(client)
    last = len(items_of(db_session, trainee.attempt_id))
    base = f"/attempts/{trainee.attempt_id}"
    position = trainee.position(db_session, "numeric")
    trainee.post(position, 0, value="1")  # known from here on
    for seq, (action, where) in enumerate(
        [
            ("next", f"{base}/items/{position + 1}" if position < last else f"{base}/summary"),
            ("previous", f"{base}/items/{position - 1}" if position > 1 else f"{base}/items/1"),
            ("summary", f"{base}/summary"),
            ("save", f"{base}/items/{position}"),
        ],
        start=1,
    ):
        saved = trainee.post(position, seq, action=action, value=str(seq + 1))
        assert saved.headers["Location"] == where, action
    row = db_session.get(AttemptItem, items_of(db_session, trainee.attempt_id)[position - 1].id)
    assert row.seq == 5


def test_the_position_index_and_noted_answers_go_with_their_item(monkeypatch):
    from datetime import UTC, datetime

    from app.banks.schema import Mode

    def shape(attempt: int, position: int | None) -> shapes.ItemShape:
        started = datetime(2026, 1, 15, tzinfo=UTC)
        return shapes.ItemShape(attempt, started, 1, 9, Mode.EXAM, None, None, {}, position, 3)

    monkeypatch.setattr(shapes, "MAX_ITEMS", 2)
    shapes.remember(1, shape(10, 1))
    shapes.note_answer(1, 4, {"value": 1})
    shapes.remember(1, shape(10, None))  # the API's full path: the position is kept
    assert shapes.at(10, 1) == (1, shape(10, 1))
    assert shapes.answer_at(1) == (4, {"value": 1})
    shapes.remember(2, shape(10, 2))
    shapes.remember(3, shape(10, 3))  # item 1, the least recently used, goes
    assert shapes.at(10, 1) is None and shapes.answer_at(1) is None
    shapes.note_answer(1, 5, None)  # not kept for an item the worker no longer knows
    assert shapes.answer_at(1) is None
    assert shapes.at(10, 3) == (3, shape(10, 3))
