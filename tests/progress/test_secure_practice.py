"""Issue 12, secure exam items: the spaced-repetition queue (/practice, /api/v1/me/practice)
serves practice items only, and a practice token never checks an exam item."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.banks import models as bm
from app.progress import services
from app.progress.queries import practice_queue
from tests import factories
from tests.conftest import login
from tests.progress.bank import SENTINEL, take

pytestmark = pytest.mark.usefixtures("program")


def _exam_version_ids(db_session) -> set[int]:
    return set(
        db_session.scalars(sa.select(bm.QuestionVersion.id).where(bm.QuestionVersion.use == "exam"))
    )


def test_the_queue_never_serves_an_exam_item_whatever_the_trainee_did(db_session, frozen_clock):
    exam_ids = _exam_version_ids(db_session)
    assert exam_ids  # the bank has exam items of every objective
    user = factories.make_user("trainee")
    take(db_session, user, "m1-exam", right=False)  # exam items seen and failed: cards due
    take(db_session, user, "m3-exam", right=False)
    served: set[int] = set()
    for _ in range(6):
        frozen_clock.advance(days=1)
        for slot in practice_queue(db_session, user, new_per_day=10, limit=20):
            assert slot.version.use.value == "practice"
            served.add(slot.version.id)
    assert served and not served & exam_ids


def test_practice_pages_and_api_never_carry_an_exam_item(app, client, db_session):
    user = factories.make_user("trainee")
    issued = factories.make_token(user)
    take(db_session, user, "m1-exam", right=False)
    db_session.commit()
    headers = {"Authorization": f"Bearer {issued.secret}"}
    exam_stems = {
        f"Stem of {key}?"
        for key in db_session.scalars(
            sa.select(bm.Question.key)
            .join(bm.QuestionVersion, bm.QuestionVersion.id == bm.Question.current_version_id)
            .where(bm.QuestionVersion.use == "exam")
        )
    }
    api_client = app.test_client()
    for _ in range(10):
        body = api_client.get("/api/v1/me/practice?limit=10", headers=headers)
        assert body.status_code == 200
        text = body.get_data(as_text=True)
        assert SENTINEL not in text and not any(stem in text for stem in exam_stems)
        assert body.get_json()["items"]
    login(client, user.email)
    for path in ("/practice", "/dashboard", "/"):
        page = client.get(path)
        assert page.status_code in (200, 302)
        text = page.get_data(as_text=True)
        assert SENTINEL not in text and not any(stem in text for stem in exam_stems), path


def test_a_practice_token_for_an_exam_item_checks_nothing(db_session):
    user = factories.make_user("trainee")
    version = db_session.scalars(
        sa.select(bm.QuestionVersion).where(bm.QuestionVersion.use == "exam").limit(1)
    ).one()
    token, _ = services.serve(user, version.id, version.objective, secret="s")
    with pytest.raises(services.PracticeQuestionGone):
        services.answer_practice(db_session, user, token, {"choice": "x"}, secret="s")


def test_practice_page_serves_a_practice_item(client, db_session):
    user = factories.make_user("trainee")
    db_session.commit()
    login(client, user.email)
    html = client.get("/practice").get_data(as_text=True)
    keys = re.findall(r"Stem of ([a-z0-9-]+)\?", html)
    assert keys and all("-p" in key for key in keys)  # the bank's practice keys: <obj>-p<i>
