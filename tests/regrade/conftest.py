"""A corrected key: three trainees graded under version 1 of ``reg-q1`` (whose key was
wrong), then version 2 published with the right option marked correct.

- ``certified`` answered the wrong key: passed (100 %), completion approved, certificate
  issued; after the correction 50 %, failed.
- ``newly`` answered the right option: failed (50 %); after the correction 100 %, passed.
- ``lower`` answered the wrong key and missed ``reg-q2``: failed (50 %); after, 0 %.
- ``still_open`` has an attempt in progress (untouched by a regrade).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks.models import Module, Program
from app.banks.services import import_directory
from app.certificates import services as cert_services
from app.certificates.models import Certificate, Completion
from app.quiz import services as quiz
from app.quiz.models import Attempt
from app.regrade.services import MailContext
from app.settings import get_settings
from tests import factories

WRONG, RIGHT = "opt-a", "opt-b"  # version 1 marks opt-a correct; version 2 opt-b
MAIL = MailContext("Test Academy", "https://example.test/progress")


def _question(key: str, correct: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": "single_choice",
        "status": "published",
        "use": "exam",
        "stem": f"Stem of {key}?",
        "explanation": "The explanation.",
        "references": ["Author 2020. A reference. Journal."],
        "options": [
            {"id": oid, "text": f"Option {oid}", "correct": oid == correct}
            for oid in ("opt-a", "opt-b", "opt-c")
        ],
    }


def write_bank(
    root: Path,
    q1_correct: str,
    q1_options: tuple[str, ...] | None = None,
    renewal: bool = False,
) -> None:
    root.mkdir(parents=True, exist_ok=True)
    q1 = _question("reg-q1", q1_correct)
    if q1_options is not None:
        q1["options"] = [o for o in q1["options"] if o["id"] in q1_options]
    questions = [q1, _question("reg-q2", "opt-a")]
    (root / "topics.yaml").write_text(yaml.safe_dump({"topics": [{"id": "reg", "title": "Reg"}]}))
    (root / "reg.yaml").write_text(yaml.safe_dump({"topic": "reg", "questions": questions}))
    module = {
        "slug": "reg-exam",
        "title": "Regrade exam",
        "mode": "exam",
        "blueprint": [{"topic": "reg", "count": 2}],
        "pass_mark": 75,
        "attempt_limit": 5,
    }
    program = {
        "slug": "reg-program",
        "title": "Regrade program",
        "modules": ["reg-exam"],
        "validity_months": 24,
        "ce_hours": 1,
        "serial_prefix": "RG",
        "requires_review": True,
    }
    modules = [module]
    if renewal:
        modules.append({**module, "slug": "reg-renewal", "title": "Regrade renewal"})
        program["renewal_module"] = "reg-renewal"
    (root / "modules.yaml").write_text(yaml.safe_dump({"modules": modules, "programs": [program]}))


def take(
    session: Session,
    user: User,
    answers: dict[str, str | None],
    submit: bool = True,
    slug: str = "reg-exam",
):
    """An attempt at ``slug`` answering ``answers`` (question key -> option id)."""
    module = session.scalar(sa.select(Module).where(Module.slug == slug))
    attempt = quiz.start_attempt(session, user, module, random.Random(7))
    for item in attempt.items:
        choice = answers[item.question_version.question.key]
        item.response = None if choice is None else {"choice": choice}
    session.flush()
    if submit:
        quiz.submit_attempt(session, user, attempt.id)
    return attempt


@dataclass
class World:
    root: Path
    admin: User
    certified: User
    newly: User
    lower: User
    still_open: User
    program: Program
    completion: Completion
    certificate: Certificate
    attempts: dict[str, Attempt]


@pytest.fixture
def world(app, db_session: Session, tmp_path: Path) -> World:
    with app.app_context():
        root = tmp_path / "bank"
        write_bank(root, WRONG)
        import_directory(db_session, root)
        db_session.flush()
        admin = factories.make_user("admin")
        users = {n: factories.make_user("trainee", name=n.title()) for n in
                 ("certified", "newly", "lower", "still_open")}  # fmt: skip
        attempts = {
            "certified": take(db_session, users["certified"], {"reg-q1": WRONG, "reg-q2": "opt-a"}),
            "newly": take(db_session, users["newly"], {"reg-q1": RIGHT, "reg-q2": "opt-a"}),
            "lower": take(db_session, users["lower"], {"reg-q1": WRONG, "reg-q2": "opt-c"}),
        }
        take(db_session, users["still_open"], {"reg-q1": WRONG, "reg-q2": None}, submit=False)
        program = db_session.scalar(sa.select(Program).where(Program.slug == "reg-program"))
        completion = db_session.scalar(
            sa.select(Completion).where(Completion.user_id == users["certified"].id)
        )
        assert completion is not None, "the pass under version 1 recorded a completion"
        certificate = cert_services.approve_completion(
            db_session, admin, completion.id, settings=get_settings().issuer
        )
        write_bank(root, RIGHT)  # the correction: version 2 of reg-q1
        import_directory(db_session, root)
        db_session.commit()
        return World(root, admin, users["certified"], users["newly"], users["lower"],
                     users["still_open"], program, completion, certificate, attempts)  # fmt: skip
