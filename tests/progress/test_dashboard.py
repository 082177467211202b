"""The trainee dashboard: module states, mastery from graded attempts, charts, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.progress import mastery
from app.progress.models import ObjectiveMastery, ReviewCard, ReviewLog, TopicMastery
from app.progress.queries import dashboard
from tests import factories
from tests.progress.bank import objective_of, take

pytestmark = pytest.mark.usefixtures("program")


def _states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-module="([^"]+)" data-status="([^"]+)"', html))


def test_trainee_home_redirects_to_the_dashboard(client, login_as):
    login_as("trainee")
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")


def test_new_trainee_sees_not_started_and_locked_with_the_reason(client, login_as):
    login_as("trainee")
    html = client.get("/dashboard").get_data(as_text=True)
    assert _states(html) == {
        "m1-exam": "not_started",
        "m2-exam": "locked",
        "m3-exam": "not_started",
    }
    assert "Pass Module one exam first." in html
    assert "Start Module one exam." in html  # the next step
    # Before the first answer: an empty state, not bars at the 50 % prior.
    assert 'data-testid="mastery-empty"' in html and "chart-bar-" not in html
    assert 'data-testid="topic-chart"' not in html
    assert 'role="img"' in html and "<title id=" in html  # the program meter


def test_dashboard_states_for_each_module_situation(client, login_as, db_session, frozen_clock):
    user = login_as("trainee")
    take(db_session, user, "m1-exam", right=False)  # failed: 1 of 2 attempts left, cooldown 24 h
    take(db_session, user, "m3-exam", right=True)  # passed
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert _states(html) == {"m1-exam": "failed", "m2-exam": "locked", "m3-exam": "passed"}
    assert "1 attempt left." in html
    # The cooldown's end in the viewer's zone and language (no zone known here: UTC, said).
    assert "Next attempt allowed from Jan 16, 2026, 9:00:00\u202fAM UTC." in html
    assert "Best score 100 %." in html
    assert "retake Module one exam from Jan 16, 2026, 9:00:00\u202fAM UTC" in html
    client.set_cookie("tz", "America/Toronto")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Next attempt allowed from Jan 16, 2026, 4:00:00\u202fAM EST." in html

    frozen_clock.advance(hours=25)
    take(db_session, user, "m1-exam", right=False)  # no attempts left
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert _states(html)["m1-exam"] == "exhausted"
    assert "No attempts left" in html


def test_in_progress_and_passed_unlock_the_next_module(client, login_as, db_session):
    user = login_as("trainee")
    take(db_session, user, "m1-exam", right=True)
    take(db_session, user, "m2-exam", submit=False)
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert _states(html) == {
        "m1-exam": "passed",
        "m2-exam": "in_progress",
        "m3-exam": "not_started",
    }
    assert "Continue your open attempt at Module two exam." in html


def test_graded_attempt_updates_mastery_tallies_and_cards(db_session, frozen_clock):
    user = factories.make_user("trainee")
    # anat-a right, anat-b wrong, in every attempt
    right = lambda item: objective_of(item) == "anat-a"  # noqa: E731
    attempt = take(db_session, user, "m1-exam", right=right)
    items = {i.question_version.objective: 0 for i in attempt.items}
    for i in attempt.items:
        items[i.question_version.objective] += 1
    rows = {
        r.objective: r
        for r in db_session.scalars(
            sa.select(ObjectiveMastery).where(ObjectiveMastery.user_id == user.id)
        )
    }
    n_a = items.get("anat-a", 0)
    expected_a = mastery.smoothed(mastery.add_all(mastery.Tally(), [1] * n_a))
    assert rows["anat-a"].answered == n_a
    assert mastery.smoothed(
        mastery.Tally(
            rows["anat-a"].weighted_correct,
            rows["anat-a"].weighted_total,
            rows["anat-a"].answered,
            rows["anat-a"].correct,
        )
    ) == pytest.approx(expected_a)
    topic = db_session.scalars(sa.select(TopicMastery).where(TopicMastery.user_id == user.id)).one()
    assert topic.answered == 4
    assert topic.correct == n_a
    cards = {
        c.objective: c
        for c in db_session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user.id))
    }
    logs = db_session.scalars(sa.select(ReviewLog).order_by(ReviewLog.id)).all()
    assert {c.objective for c in cards.values()} == set(items)
    assert {log.rating for log in logs} <= {1, 3}
    # Both objectives are drawn (4 of 3 + 3 questions); wrong → Again (1 min), right → Good.
    assert cards["anat-b"].due == frozen_clock.now + timedelta(minutes=1)
    assert cards["anat-a"].due == frozen_clock.now + timedelta(minutes=10)
    assert [log.rating for log in logs] == [3, 1]  # anat-a Good, anat-b Again


def test_one_wrong_item_makes_the_objective_again_one_review_per_objective(
    db_session, frozen_clock
):
    """The documented rule: one FSRS review per objective per attempt, Again if ANY item of
    that objective was wrong (docs/trainee.md, app/progress/services.py)."""
    from app.quiz.services import submit_attempt

    user = factories.make_user("trainee")
    attempt = take(db_session, user, "m1-exam", right=True, submit=False)
    by_objective: dict[str, list] = {}
    for item in attempt.items:
        by_objective.setdefault(objective_of(item), []).append(item)
    target, items = next((o, i) for o, i in sorted(by_objective.items()) if len(i) >= 2)
    question = items[0].question_version.as_question()
    wrong = next(o.id for o in question.options if not o.correct)
    items[0].response = {"choice": wrong}  # one wrong, the others of the objective right
    db_session.flush()
    submit_attempt(db_session, user, attempt.id)

    logs = db_session.scalars(
        sa.select(ReviewLog).where(ReviewLog.attempt_id == attempt.id).order_by(ReviewLog.id)
    ).all()
    cards = {
        c.id: c.objective
        for c in db_session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user.id))
    }
    ratings = {cards[log.card_id]: log.rating for log in logs}
    assert len(logs) == len(by_objective)  # one review per objective, not per item
    assert ratings[target] == 1  # Again
    assert all(r == 3 for o, r in ratings.items() if o != target)  # Good
    # Mastery still counts every item with its credit.
    row = db_session.scalars(
        sa.select(ObjectiveMastery).where(
            ObjectiveMastery.user_id == user.id, ObjectiveMastery.objective == target
        )
    ).one()
    assert row.answered == len(items) and row.correct == len(items) - 1


def test_mastery_numbers_on_a_known_history(db_session, frozen_clock):
    """Two attempts of four anatomy items: all wrong, then all right."""
    user = factories.make_user("trainee")
    take(db_session, user, "m1-exam", right=False)
    frozen_clock.advance(hours=25)
    take(db_session, user, "m1-exam", right=True)
    data = dashboard(db_session, user, new_per_day=10)
    anatomy = next(r for r in data.mastery.topics if r.key == "anatomy")
    expected = mastery.smoothed(mastery.add_all(mastery.Tally(), [0, 0, 0, 0, 1, 1, 1, 1]))
    # decayed: C = 1 + .9 + .81 + .729 = 3.439; N = sum of .9^k, k = 0..7 = 5.6953279
    assert expected == pytest.approx((3.439 + 1) / (5.6953279 + 2))
    assert anatomy.value == pytest.approx(expected)
    assert anatomy.answered == 8
    assert anatomy.correct == 4
    safety = next(r for r in data.mastery.topics if r.key == "safety")
    assert safety.value == 0.5 and safety.answered == 0


def test_weak_areas_are_named(client, login_as, db_session):
    user = login_as("trainee")
    take(db_session, user, "m1-exam", right=False)
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Topic <strong>Anatomy</strong>" in html


def test_dashboard_queries_do_not_grow_with_attempts(
    client, login_as, db_session, frozen_clock, count_queries
):
    def queries_with(attempts: int) -> int:
        user = login_as("trainee")
        for _ in range(attempts):
            take(db_session, user, "anatomy-practice", right=False)
            frozen_clock.advance(minutes=5)
        db_session.commit()
        client.get("/dashboard")  # warm caches
        with count_queries() as q:
            assert client.get("/dashboard").status_code == 200
        client.post("/logout", data={})
        client.delete_cookie("session")
        return q.count

    few = queries_with(2)
    many = queries_with(20)
    assert few == many


def test_a_trainee_cannot_see_another_trainees_progress(client, login_as, db_session):
    other = factories.make_user("trainee")
    db_session.commit()
    me = login_as("trainee")
    assert client.get(f"/progress/{other.id}").status_code == 404
    assert client.get("/progress/999999").status_code == 404
    assert client.get(f"/progress/{me.id}").status_code == 200
    assert client.get("/cohort").status_code == 403
    assert client.get("/cohort.csv").status_code == 403


def test_an_instructor_sees_a_trainees_progress(client, login_as, db_session):
    trainee = factories.make_user("trainee", name="Grace Hopper")
    take(db_session, trainee, "m3-exam", right=True)
    db_session.commit()
    login_as("instructor")
    html = client.get(f"/progress/{trainee.id}").get_data(as_text=True)
    assert "Progress of Grace Hopper" in html
    assert _states(html)["m3-exam"] == "passed"


def test_certificates_section_lists_the_trainees_certificates(client, login_as):
    login_as("trainee")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "No certificate yet" in html


def test_history_lists_attempts_with_scores(client, login_as, db_session, frozen_clock):
    user = login_as("trainee")
    take(db_session, user, "m1-exam", right=False)
    frozen_clock.advance(days=2)
    take(db_session, user, "m1-exam", right=True)
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<polyline" in html
    assert "<td>0 %</td>" in html and "<td>100 %</td>" in html
    assert html.index('datetime="2026-01-15T09:00') < html.index('datetime="2026-01-17T09:00')
