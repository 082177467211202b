"""Fixtures for enrolment tests: the two-program bank committed; trainees NOT enrolled by
default here (``enrol=False``), so each test enrols what it checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks.models import Program
from tests import factories
from tests.enrolment import bank as enrolment_bank


@pytest.fixture
def programs(db_session: Session, tmp_path) -> dict[str, Program]:
    enrolment_bank.build(db_session, tmp_path / "bank")
    db_session.commit()
    return {p.slug: p for p in db_session.scalars(sa.select(Program))}


@pytest.fixture
def api_get(app, db_session: Session) -> Callable[..., Any]:
    """``api_get(user, url)`` / ``api_post(...)``: the JSON API with a token of ``user``."""

    def call(user: User, url: str, method: str = "GET") -> Any:
        issued = factories.make_token(user)
        db_session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {issued.secret}"}
        return client.open(url, method=method, headers=headers)

    return call
