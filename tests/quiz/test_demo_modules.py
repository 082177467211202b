"""Every demo module can be taken from start to result with the demo content (question_banks/).

The browser walk-through is in tests/e2e/test_quiz_browser.py (one practice and one exam module);
this walks all of them through the API and the result page, in the program's order, answering
each item with its key, so that the final exam's prerequisites are met on the way.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.banks import models as bm
from app.banks.services import import_directory
from tests.quiz.helpers import key_of

ROOT = Path(__file__).resolve().parents[2]


def test_a_trainee_takes_every_demo_module_to_its_result(db_session, make_trainee) -> None:
    import_directory(db_session, ROOT / "question_banks")
    db_session.commit()
    program = db_session.scalar(sa.select(bm.Program))
    # The renewal module opens only to a certificate holder (issue 13): not taken here.
    others = db_session.scalars(
        sa.select(bm.Module.slug)
        .where(bm.Module.slug.not_in([*program.module_slugs, program.renewal_module_slug]))
        .order_by(bm.Module.slug)
    ).all()
    trainee = make_trainee()
    assert trainee.start(program.renewal_module_slug).status_code == 404
    taken = []
    for slug in [*program.module_slugs, *others]:
        started = trainee.start(slug)
        assert started.status_code == 201, (slug, started.get_json())
        attempt = started.get_json()
        assert attempt["items"], slug
        # Answer in order: a case step is disclosed once the step before it is answered.
        for item in sorted(attempt["items"], key=lambda i: i["position"]):
            saved = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
            assert saved.status_code == 200, (slug, item["type"], saved.get_json())
        result = trainee.submit(attempt["id"])
        assert result.status_code == 200, (slug, result.get_json())
        assert result.get_json()["passed"] is True, (slug, result.get_json())
        assert result.get_json()["percent"] == 100.0, slug
        page = trainee.get(f"/api/v1/attempts/{attempt['id']}")
        assert page.get_json()["status"] == "submitted"
        taken.append(slug)
    modules = db_session.scalar(sa.select(sa.func.count()).select_from(bm.Module))
    assert len(taken) == modules - 1  # every module but the renewal
    assert "final-exam" in taken and "cases-exam" in taken
