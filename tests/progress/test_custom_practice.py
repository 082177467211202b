"""Practice of your own choosing (issue 18): the set builder (filters, practice items only,
progress, bad input), the optional self-rating that feeds the scheduler, and the practice
validation error shown inside the question that was answered."""

from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa
from fsrs import Card, Rating, Scheduler

from app.banks import models as bm
from app.progress import custom_practice
from app.progress.models import PracticeAnswer, ReviewCard, ReviewLog
from tests import factories
from tests.conftest import csrf_token_from
from tests.progress.bank import take

pytestmark = pytest.mark.usefixtures("program")


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def _choices(html: str) -> dict[str, str]:
    ids = re.findall(
        r'name="choice" id="[^"]+" value="([^"]+)">\s*<label for="[^"]+">([^<]+)<', html
    )
    return {text.strip(): oid for oid, text in ids}


def _stem(html: str) -> str:
    return re.search(r"Stem of ([a-z0-9-]+)\?", html).group(1)


def _build(client, **fields):  # type: ignore[no-untyped-def]
    html = client.get("/practice/build").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html), "topic": "", "objective": "", "count": "10"}
    data.update(fields)
    return client.post("/practice/build", data=data)


def _answer(client, html: str, option: str | None, **extra):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_token_from(html), "token": _token(html), **extra}
    if option:
        data["choice"] = _choices(html)[option]
    return client.post("/practice", data=data)


def _practice_keys(session) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        session.scalars(
            sa.select(bm.Question.key)
            .join(bm.QuestionVersion, bm.Question.current_version_id == bm.QuestionVersion.id)
            .where(bm.QuestionVersion.use == "practice")
        )
    )


def _keys_of(session, version_ids: list[int]) -> list[str]:  # type: ignore[no-untyped-def]
    by_id = dict(
        session.execute(
            sa.select(bm.QuestionVersion.id, bm.Question.key)
            .join(bm.Question, bm.Question.id == bm.QuestionVersion.question_id)
            .where(bm.QuestionVersion.id.in_(version_ids))
        ).all()
    )
    return [by_id[v] for v in version_ids]


# ---------------------------------------------------------------- the builder


def test_the_builder_shows_topics_and_objectives_by_their_readable_names(client, login_as):
    login_as("trainee")
    html = client.get("/practice/build").get_data(as_text=True)
    assert '<option value="anatomy">Anatomy</option>' in html
    assert '<option value="anat-a">Objective text of anat-a</option>' in html
    assert "Review queue (spaced repetition)" in html  # beside the queue, as a tab


def test_only_practice_items_are_drawn_never_exam_items(db_session):
    user = factories.make_user("trainee")
    practice_keys = _practice_keys(db_session)
    assert practice_keys and all("-p" in k for k in practice_keys)
    drawn = custom_practice.build(db_session, user, count=50, rng=random.Random(1))
    keys = _keys_of(db_session, drawn)
    assert set(keys) == practice_keys  # every practice item, and nothing else
    assert len(keys) == len(set(keys)) == 12
    # an exam item flagged and answered wrong is still never drawn with "only missed"
    take(db_session, user, "m1-exam", right=False)
    assert custom_practice.build(db_session, user, count=50, only_missed=True) == []


def test_filters_topic_objective_and_count(db_session):
    user = factories.make_user("trainee")
    anatomy = _keys_of(
        db_session, custom_practice.build(db_session, user, topic="anatomy", count=50)
    )
    assert sorted(anatomy) == sorted(f"{o}-p{i}" for o in ("anat-a", "anat-b") for i in range(3))
    one = _keys_of(db_session, custom_practice.build(db_session, user, objective="saf-b", count=2))
    assert len(one) == 2 and all(k.startswith("saf-b-p") for k in one)
    assert custom_practice.build(db_session, user, topic="anatomy", objective="saf-a") == []


def test_a_set_runs_with_its_progress_and_counts_each_answer(client, login_as, db_session):
    user = login_as("trainee")
    response = _build(client, topic="safety", objective="saf-a", count="3")
    assert response.status_code == 302 and response.location.endswith("/practice/set")
    seen = []
    for n in (1, 2, 3):
        html = client.get("/practice/set").get_data(as_text=True)
        assert f"Question {n} of 3" in html
        assert 'name="in_set" value="1"' in html
        seen.append(_stem(html))
        page = _answer(client, html, "Option A", in_set="1").get_data(as_text=True)
        assert f"Question {n} of 3" in page and "Correct" in page
        assert ("Finish this set" if n == 3 else "Next question") in page
    assert sorted(seen) == ["saf-a-p0", "saf-a-p1", "saf-a-p2"]
    finished = client.get("/practice/set").get_data(as_text=True)
    assert "You have answered every question of this set (3)" in finished
    answers = db_session.scalars(sa.select(PracticeAnswer).where(PracticeAnswer.user_id == user.id))
    assert sorted(a.objective for a in answers) == ["saf-a"] * 3


def test_only_previously_wrong_or_flagged(client, login_as, db_session):
    user = login_as("trainee")
    response = _build(client, objective="anat-a", count="1")
    html = client.get(response.location).get_data(as_text=True)
    missed = _stem(html)
    _answer(client, html, "Option B", in_set="1")  # wrong
    # a practice-module attempt: one item flagged (right), one answered wrong
    attempt = take(db_session, user, "anatomy-practice", right=True, submit=False)
    attempt.items[0].flagged = True
    db_session.commit()
    flagged_key = attempt.items[0].question_version.question.key
    drawn = _keys_of(
        db_session, custom_practice.build(db_session, user, count=50, only_missed=True)
    )
    assert missed in drawn and flagged_key in drawn
    assert set(drawn) == {missed, flagged_key}


def test_an_empty_result_is_a_clear_message(client, login_as):
    login_as("trainee")
    response = _build(client, objective="saf-b", only_missed="y")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No practice question matches these choices" in html
    assert "Question 1 of" not in client.get("/practice/set").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"topic": "no-such-topic"}, "Not a valid choice"),
        ({"objective": "no-such-objective"}, "Not a valid choice"),
        ({"count": "0"}, "Choose between 1 and 50 questions."),
        ({"count": str(10**9)}, "Choose between 1 and 50 questions."),
        ({"count": "9" * 400}, "Choose between 1 and 50 questions."),
        ({"count": "ten"}, "Not a valid integer value"),
    ],
)
def test_bad_input_is_a_field_error_and_starts_nothing(client, login_as, fields, message):
    login_as("trainee")
    response = _build(client, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'class="field-error"' in html and 'aria-invalid="true"' in html
    assert "Question 1 of" not in client.get("/practice/set").get_data(as_text=True)


def test_nul_bytes_are_refused_before_the_form(client, login_as):
    login_as("trainee")
    response = _build(client, topic="anatomy\x00")
    assert response.status_code == 400
    assert "Question 1 of" not in client.get("/practice/set").get_data(as_text=True)


# ---------------------------------------------------------------- self-rating


def _card(session, user):  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user.id)).one()


def test_self_rating_replaces_the_automatic_rating_in_the_scheduler(
    client, login_as, db_session, frozen_clock
):
    user = login_as("trainee")
    html = client.get("/practice").get_data(as_text=True)
    page = _answer(client, html, "Option A").get_data(as_text=True)
    assert 'name="rating" value="easy"' in page
    card = _card(db_session, user)
    good_due = card.due
    response = client.post(
        "/practice/rate",
        data={"csrf_token": csrf_token_from(page), "token": _token(page), "rating": "easy"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    card = _card(db_session, user)
    expected, _ = Scheduler(enable_fuzzing=False).review_card(
        Card(card_id=card.id, due=frozen_clock.now), Rating.Easy, review_datetime=frozen_clock.now
    )
    assert card.due == expected.due and card.due > good_due
    assert db_session.scalars(sa.select(ReviewLog.rating)).all() == [int(Rating.Easy)]


def test_without_a_self_rating_the_automatic_one_stays(client, login_as, db_session):
    login_as("trainee")
    html = client.get("/practice").get_data(as_text=True)
    _answer(client, html, "Option A")
    assert db_session.scalars(sa.select(ReviewLog.rating)).all() == [int(Rating.Good)]


@pytest.mark.parametrize("rating", ["hard", "good", "easy", "bogus", "\u00a0"])
def test_a_wrong_answer_cannot_be_rated_as_recalled(client, login_as, db_session, rating):
    user = login_as("trainee")
    html = client.get("/practice").get_data(as_text=True)
    page = _answer(client, html, "Option B").get_data(as_text=True)
    assert 'name="rating"' not in page  # only "again" applies: no buttons offered
    before = _card(db_session, user).due
    response = client.post(
        "/practice/rate",
        data={"csrf_token": csrf_token_from(page), "token": _token(html), "rating": rating},
    )
    assert response.status_code in (302, 400)
    db_session.expire_all()
    assert _card(db_session, user).due == before
    assert db_session.scalars(sa.select(ReviewLog.rating)).all() == [int(Rating.Again)]


def test_only_the_latest_review_can_be_rated(client, login_as, db_session, frozen_clock):
    user = login_as("trainee")
    response = _build(client, objective="anat-a", count="2")
    first = client.get(response.location).get_data(as_text=True)
    first_page = _answer(client, first, "Option A", in_set="1").get_data(as_text=True)
    frozen_clock.advance(minutes=5)
    second = client.get("/practice/set").get_data(as_text=True)
    _answer(client, second, "Option A", in_set="1")
    due = _card(db_session, user).due
    client.post(
        "/practice/rate",
        data={
            "csrf_token": csrf_token_from(first_page),
            "token": _token(first_page),
            "rating": "hard",
        },
    )
    db_session.expire_all()
    assert _card(db_session, user).due == due
    assert db_session.scalars(sa.select(ReviewLog.rating)).all() == [3, 3]


# ---------------------------------------------------------------- the practice validation error


@pytest.mark.parametrize("path", ["/practice", "/practice/set"])
def test_a_refused_answer_shows_its_error_inside_the_same_question(client, login_as, path):
    login_as("trainee")
    if path == "/practice/set":
        _build(client, topic="safety", count="5")
    html = client.get(path).get_data(as_text=True)
    stem, token = _stem(html), _token(html)
    extra = {"in_set": "1"} if path == "/practice/set" else {}
    response = _answer(client, html, None, **extra)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # the same served item (same token, same question), the message inside its form, right
    # after its stem and before its answer fields, and the page lands on it
    assert _token(page) == token and _stem(page) == stem
    form = re.search(r'<form method="post" action="/practice#verdict".*?</form>', page, re.S).group(
        0
    )
    assert re.search(
        rf"Stem of {stem}\?.*?id=\"verdict\"[^>]*>Choose or enter an answer before checking it\."
        r".*?<fieldset",
        form,
        re.S,
    )
    assert page.count("Choose or enter an answer") == 1
    if path == "/practice/set":
        assert "Question 1 of 5" in page  # a refused answer does not move the set on
        assert "Question 1 of 5" in client.get("/practice/set").get_data(as_text=True)
