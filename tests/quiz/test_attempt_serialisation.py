"""The attempt endpoints dump their view with the compiled schema (app/serialise.py): the
JSON must be exactly what marshmallow's ``AttemptOut().dump`` gives, in every state."""

from __future__ import annotations

import json

import pytest

from app.quiz import presenters
from app.quiz.api import AttemptOut
from tests.quiz.helpers import key_of


@pytest.fixture
def views(monkeypatch) -> list[dict]:
    """Every view the presenters build during the test, to dump again with marshmallow."""
    seen: list[dict] = []
    real = presenters.attempt_view

    def recording(*args, **kwargs):
        view = real(*args, **kwargs)
        seen.append(view)
        return view

    monkeypatch.setattr(presenters, "attempt_view", recording)
    return seen


def _marshmallow(view: dict) -> dict:
    return json.loads(json.dumps(AttemptOut().dump(view), default=str))


def _check(response, views: list[dict]) -> None:
    assert response.status_code in (200, 201)
    assert response.json == _marshmallow(views[-1])


@pytest.mark.parametrize(
    "slug", ["types-exam", "types-practice", "case-exam", "score-exam", "correctness-exam"]
)
def test_every_state_of_an_attempt_dumps_as_marshmallow_would(
    bank, trainee, db_session, views, slug
):
    started = trainee.start(slug)
    _check(started, views)
    attempt = started.json
    first = attempt["items"][0]
    trainee.save(attempt["id"], first["id"], key_of(db_session, first["id"]), 0)
    _check(trainee.attempt(attempt["id"]), views)  # in progress, one answered
    trainee.submit(attempt["id"])
    _check(trainee.attempt(attempt["id"]), views)  # the review, as the policy allows


def test_a_timed_attempt_with_its_deadline_dumps_the_same(bank, trainee, views, frozen_clock):
    started = trainee.start("timed-exam")
    _check(started, views)
    assert started.json["deadline"].startswith("2026-01-15T09:30:00")
