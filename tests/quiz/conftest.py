"""Fixtures for engine tests: the test bank imported, trainees talking to the API by token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import User
from tests import factories
from tests.quiz.bank import build_bank


@dataclass
class Trainee:
    """A trainee with a bearer token and a cookie-less client of their own."""

    user: User
    client: FlaskClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, json: Any = None) -> Any:
        return self.client.post(url, json=json, headers=self.headers)

    def put(self, url: str, json: Any = None) -> Any:
        return self.client.put(url, json=json, headers=self.headers)

    def start(self, slug: str) -> Any:
        return self.post(f"/api/v1/modules/{slug}/attempts")

    def save(self, attempt_id: int, item_id: int, response: Any, seq: int, **kw: Any) -> Any:
        body = {"response": response, "seq": seq, **kw}
        return self.put(f"/api/v1/attempts/{attempt_id}/items/{item_id}", json=body)

    def attempt(self, attempt_id: int) -> Any:
        return self.get(f"/api/v1/attempts/{attempt_id}")

    def submit(self, attempt_id: int, json: Any = None) -> Any:
        return self.post(f"/api/v1/attempts/{attempt_id}/submit", json=json)


@pytest.fixture
def bank(db_session: Session, tmp_path) -> Iterator[None]:
    """The test bank (every type, a case, modules), committed for the requests to see."""
    build_bank(db_session, tmp_path / "bank")
    db_session.commit()
    yield


@pytest.fixture
def make_trainee(app, db_session: Session) -> Callable[..., Trainee]:
    def make(role: str = "trainee", **kw: Any) -> Trainee:
        user = factories.make_user(role, **kw)
        issued = factories.make_token(user)
        db_session.commit()
        return Trainee(user=user, client=app.test_client(), token=issued.secret)

    return make


@pytest.fixture
def trainee(make_trainee) -> Trainee:
    return make_trainee()
