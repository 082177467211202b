"""Fixtures for progress tests: the small program imported and committed."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.progress import bank as progress_bank


@pytest.fixture
def program(db_session: Session, tmp_path) -> None:
    progress_bank.build(db_session, tmp_path / "bank")
    db_session.commit()
