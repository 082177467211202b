"""A seeded database for the fuzzers: a trainee with a token, the test bank's modules with
published questions, an open practice attempt, a certificate; an instructor and an admin.

Everything is written inside the test's rolled-back transaction (``db_session``), so each
fuzzing test starts from the same rows and leaves none behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.auth.models import User
from app.certificates import services as certificates
from app.extensions import limiter
from app.quiz.models import Attempt, AttemptItem
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.licensing.helpers import import_shipped
from tests.progress import bank as progress_bank
from tests.quiz.bank import build_bank
from tests.rowcounts import (
    table_counts,  # noqa: F401  (the partial-write check; derived tables left out)
)

#: Examples per fuzzed target; raise it for a longer hunt: ``FUZZ_EXAMPLES=500 pytest tests/fuzz``.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@dataclass
class Seeded:
    trainee: User
    instructor: User
    admin: User
    token: str
    spare_token_id: int
    attempt_id: int
    item_ids: list[int]
    module_slugs: list[str]
    certificate_code: str
    certificate_id: str
    completion_id: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def path_values(self) -> dict[str, list[Any]]:
        """Real values for each path parameter name (the fuzzers also try random ones)."""
        return {
            "attempt_id": [self.attempt_id],
            "item_id": self.item_ids[:3],
            "position": list(range(1, 10)),
            "slug": self.module_slugs,
            "token_id": [self.spare_token_id],
            "code": [self.certificate_code],
            "certificate_id": [self.certificate_id],
            "completion_id": [self.completion_id],
            "user_id": [self.trainee.id],
            **self.extra,
        }


@pytest.fixture
def seeded(app: Flask, db_session: Session, tmp_path) -> Seeded:
    with app.app_context():
        limiter.reset()
        build_bank(db_session, tmp_path / "bank")
        progress_bank.build(db_session, tmp_path / "objectives")  # objectives, for practice
        trainee = factories.make_user("trainee")
        instructor = factories.make_user("instructor")
        admin = factories.make_user("admin")
        issued = factories.make_token(trainee)
        spare = factories.make_token(trainee, "spare")
        program, modules, _renewal = make_program(db_session)
        for module in modules:
            make_attempt(db_session, trainee, module)
        issuer = get_settings().issuer
        completion = certificates.record_completion(db_session, trainee, program, settings=issuer)
        certificate = certificates.approve_completion(
            db_session, admin, completion.id, settings=issuer
        )
        pending = factories.make_user("trainee")  # a completion waiting for review
        for module in modules:
            make_attempt(db_session, pending, module)
        waiting = certificates.record_completion(db_session, pending, program, settings=issuer)
        import_shipped(db_session)  # the jurisdiction rules (issue 16): their pages and forms
        db_session.commit()
    client = app.test_client()
    started = client.post(
        "/api/v1/modules/types-practice/attempts",
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert started.status_code == 201, started.get_data(as_text=True)
    attempt_id = started.json["id"]
    items = db_session.scalars(
        sa.select(AttemptItem.id).where(AttemptItem.attempt_id == attempt_id)
    ).all()
    assert db_session.get(Attempt, attempt_id) is not None
    return Seeded(
        trainee=trainee,
        instructor=instructor,
        admin=admin,
        token=issued.secret,
        spare_token_id=spare.token.id,
        attempt_id=attempt_id,
        item_ids=list(items),
        module_slugs=["types-practice", "types-exam", "anatomy-practice", "locked-exam"],
        certificate_code=certificate.code,
        certificate_id=str(certificate.id),
        completion_id=waiting.id,
    )
