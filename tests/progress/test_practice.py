"""Practice weak areas: FSRS per objective, weakest first, no key before the answer, daily cap."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fsrs import Card, Rating, Scheduler

from app.progress.models import PracticeAnswer, ReviewCard, ReviewLog
from app.progress.queries import practice_queue
from app.quiz.models import AttemptItem
from tests import factories
from tests.conftest import csrf_token_from
from tests.progress.bank import SENTINEL, objective_of, take

pytestmark = pytest.mark.usefixtures("program")


def _token_and_choices(html: str) -> tuple[str, dict[str, str]]:
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    # option texts are "Option A" (right) / "Option B" (wrong), ids are opaque
    ids = re.findall(
        r'name="choice" id="[^"]+" value="([^"]+)">\s*<label for="[^"]+">([^<]+)<', html
    )
    return token, {text.strip(): oid for oid, text in ids}


def test_practice_draws_from_the_weakest_objectives(db_session, frozen_clock):
    user = factories.make_user("trainee")
    weak = "anat-b"
    take(db_session, user, "m1-exam", right=lambda i: objective_of(i) != weak)
    frozen_clock.advance(days=1)  # both cards due; anat-b lapsed (Again), anat-a Good
    slots = practice_queue(db_session, user, new_per_day=0, limit=5)
    assert [s.objective for s in slots] == ["anat-b", "anat-a"]
    assert all(s.reason == "due" for s in slots)
    assert slots[0].retrievability < slots[1].retrievability
    assert slots[0].version.objective == weak


def test_new_objectives_come_from_the_weakest_topic_and_are_capped_per_day(
    db_session, frozen_clock
):
    user = factories.make_user("trainee")
    # anatomy all right: its cards are not due for a while; safety untouched (mastery 0.5)
    take(db_session, user, "m1-exam", right=True)
    frozen_clock.advance(minutes=1)
    take(db_session, user, "anatomy-practice", right=False)  # anatomy now the weaker topic?
    slots = practice_queue(db_session, user, new_per_day=1, limit=5)
    new = [s for s in slots if s.reason == "new"]
    assert len(new) == 1
    assert new[0].objective in {"saf-a", "saf-b"}
    assert practice_queue(db_session, user, new_per_day=0, limit=5) == [
        s for s in slots if s.reason == "due"
    ]


def test_new_objectives_prefer_the_weaker_topic(db_session):
    user = factories.make_user("trainee")
    take(db_session, user, "m3-exam", right=False)  # safety weak; anatomy untouched (0.5)
    slots = practice_queue(db_session, user, new_per_day=10, limit=10)
    new = [s.objective for s in slots if s.reason == "new"]
    saf_cards = {
        c.objective
        for c in db_session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user.id))
    }
    unseen_safety = [o for o in ("saf-a", "saf-b") if o not in saf_cards]
    assert new[: len(unseen_safety)] == unseen_safety
    assert set(new) >= {"anat-a", "anat-b"}


def test_practice_page_shows_no_key_until_answered(client, login_as, db_session):
    login_as("trainee")
    html = client.get("/practice").get_data(as_text=True)
    assert 'name="token"' in html
    assert SENTINEL not in html
    assert 'value="right"' not in html and 'value="wrong"' not in html
    api = client.get("/api/v1/me/practice?limit=5").get_data(as_text=True)
    assert SENTINEL not in api and '"right"' not in api


def test_answering_shows_feedback_and_schedules_the_objective(
    client, login_as, db_session, frozen_clock
):
    user = login_as("trainee")
    html = client.get("/practice").get_data(as_text=True)
    token, choices = _token_and_choices(html)
    response = client.post(
        "/practice",
        data={"csrf_token": csrf_token_from(html), "token": token, "choice": choices["Option B"]},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Incorrect" in page
    assert SENTINEL in page  # feedback, explanation and references once answered
    answer = db_session.scalars(
        sa.select(PracticeAnswer).where(PracticeAnswer.user_id == user.id)
    ).one()
    assert answer.score == 0 and answer.is_new
    card = db_session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user.id)).one()
    assert card.objective == answer.objective
    expected, _ = Scheduler(enable_fuzzing=False).review_card(
        Card(card_id=card.id, due=frozen_clock.now), Rating.Again, review_datetime=frozen_clock.now
    )
    assert card.due == expected.due
    # Practice answers never become attempt items (certification statistics).
    assert db_session.scalar(sa.select(sa.func.count(AttemptItem.id))) == 0


def test_fsrs_schedule_of_a_known_sequence_of_practice_reviews(db_session, frozen_clock):
    """Right, right, wrong, right at fixed times: due dates exactly as fsrs computes them."""
    from app.progress import services
    from app.progress.practice import display_for

    user = factories.make_user("trainee")
    secret = "test-secret-key"
    reference = Scheduler(enable_fuzzing=False)
    ref_card = None
    for correct, gap in [(True, 0), (True, 10), (False, 60 * 24 * 3), (True, 10)]:
        frozen_clock.advance(minutes=gap)
        objective = "anat-a"
        version = _version_of(db_session, objective)
        token, nonce = services.serve(user, version.id, objective, secret=secret)
        question = version.as_question()
        display = display_for(question, secret, nonce)
        wanted = "right" if correct else "wrong"
        opaque = next(o for o, real in display["options"] if real == wanted)
        services.answer_practice(db_session, user, token, {"choice": opaque}, secret=secret)
        if ref_card is None:
            card_id = db_session.scalar(
                sa.select(ReviewCard.id).where(ReviewCard.user_id == user.id)
            )
            ref_card = Card(card_id=card_id, due=frozen_clock.now)
        ref_card, _ = reference.review_card(
            ref_card, Rating.Good if correct else Rating.Again, review_datetime=frozen_clock.now
        )
        card = db_session.scalars(
            sa.select(ReviewCard).where(
                ReviewCard.user_id == user.id, ReviewCard.objective == objective
            )
        ).one()
        assert card.due == ref_card.due
        assert card.stability == pytest.approx(ref_card.stability)
    logs = db_session.scalars(sa.select(ReviewLog.rating).order_by(ReviewLog.id)).all()
    assert logs == [3, 3, 1, 3]


def _version_of(session, objective):
    from app.banks import models as bm

    return session.scalars(
        sa.select(bm.QuestionVersion)
        .where(bm.QuestionVersion.objective == objective, bm.QuestionVersion.use == "practice")
        .limit(1)
    ).one()


def test_answering_the_same_item_twice_reviews_once(db_session, frozen_clock):
    from app.progress import services
    from app.progress.practice import display_for

    user = factories.make_user("trainee")
    version = _version_of(db_session, "saf-a")
    token, nonce = services.serve(user, version.id, "saf-a", secret="s")
    display = display_for(version.as_question(), "s", nonce)
    wrong = next(o for o, real in display["options"] if real == "wrong")
    right = next(o for o, real in display["options"] if real == "right")
    first = services.answer_practice(db_session, user, token, {"choice": wrong}, secret="s")
    again = services.answer_practice(db_session, user, token, {"choice": right}, secret="s")
    assert again.replayed and again.answer.id == first.answer.id and again.answer.score == 0
    assert db_session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 1


def test_another_trainees_token_is_refused(client, login_as, db_session):
    from app.progress import services

    other = factories.make_user("trainee")
    version = _version_of(db_session, "saf-a")
    token, _ = services.serve(other, version.id, "saf-a", secret="test-secret-key")
    db_session.commit()
    login_as("trainee")
    csrf = csrf_token_from(client.get("/practice").get_data(as_text=True))
    response = client.post("/practice", data={"csrf_token": csrf, "token": token, "choice": "x"})
    assert response.status_code == 400
    assert db_session.scalar(sa.select(sa.func.count(PracticeAnswer.id))) == 0


def test_the_daily_cap_stops_new_objectives(client, login_as, app, db_session, frozen_clock):
    app.config["PRACTICE_NEW_PER_DAY"] = 1
    try:
        login_as("trainee")
        html = client.get("/practice").get_data(as_text=True)
        token, choices = _token_and_choices(html)
        client.post(
            "/practice",
            data={
                "csrf_token": csrf_token_from(html),
                "token": token,
                "choice": choices["Option A"],
            },
        )
        html = client.get("/practice").get_data(as_text=True)
        assert "Nothing to practise right now" in html
        frozen_clock.advance(days=1)
        assert 'name="token"' in client.get("/practice").get_data(as_text=True)
    finally:
        app.config["PRACTICE_NEW_PER_DAY"] = 10
