"""Pure progress logic: mastery smoothing, FSRS wrapper, practice tokens, CSV escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from app.banks.schema import QUESTION_ADAPTER
from app.csv_export import escape_cell
from app.progress import mastery, practice, scheduler
from app.quiz.display import to_canonical

T0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def test_mastery_of_a_known_history_is_decayed_laplace():
    tally = mastery.add_all(mastery.Tally(), [1, 0, 1, 1])
    # weights, newest first: 1, .9, .81, .729
    assert tally.weighted_correct == pytest.approx(1 + 0.9 + 0.729)
    assert tally.weighted_total == pytest.approx(1 + 0.9 + 0.81 + 0.729)
    assert tally.answered == 4
    assert tally.correct == 3
    assert mastery.smoothed(tally) == pytest.approx((2.629 + 1) / (3.439 + 2))


def test_mastery_without_answers_is_one_half_and_one_right_answer_is_two_thirds():
    assert mastery.smoothed(mastery.Tally()) == 0.5
    assert mastery.smoothed(mastery.add(mastery.Tally(), 1)) == pytest.approx(2 / 3)


def test_partial_credit_counts_partially_and_is_clamped():
    assert mastery.add(mastery.Tally(), 0.5).weighted_correct == 0.5
    assert mastery.add(mastery.Tally(), 7).weighted_correct == 1.0


def test_weak_areas_need_evidence_and_come_lowest_first():
    low = mastery.add_all(mastery.Tally(), [0, 0, 0])
    lower_but_thin = mastery.add_all(mastery.Tally(), [0, 0])
    middling = mastery.add_all(mastery.Tally(), [1, 0, 0, 1])
    strong = mastery.add_all(mastery.Tally(), [1, 1, 1, 1, 1])
    found = mastery.weak_areas(
        [("strong", strong), ("middling", middling), ("thin", lower_but_thin), ("low", low)]
    )
    assert found == ["low", "middling"]


def test_fsrs_reference_trace_matches_the_library():
    """The wrapper's schedule is exactly fsrs's (fuzzing off), review by review."""
    reference = Scheduler(enable_fuzzing=False)
    ours = scheduler.new_card(1, T0)
    theirs = Card(card_id=1, due=T0)
    for correct in [True, True, True, False, True, True]:
        at = ours.due
        ours, _ = scheduler.review(ours, correct, at)
        theirs, _ = reference.review_card(
            theirs, Rating.Good if correct else Rating.Again, review_datetime=at
        )
        assert ours.due == theirs.due
        assert ours.stability == pytest.approx(theirs.stability)
        assert ours.difficulty == pytest.approx(theirs.difficulty)
    # PSYCHOMETRICS.md §4.1 reference trace, last row: due 01-21 09:20, stability 4.934769.
    assert ours.due == datetime(2025, 1, 21, 9, 20, tzinfo=UTC)
    assert ours.stability == pytest.approx(4.934769, abs=1e-5)
    r = scheduler.retrievability(ours, datetime(2025, 1, 31, 9, 20, tzinfo=UTC))
    assert r == pytest.approx(0.808164, abs=1e-5)


def test_wrong_is_again_and_right_is_good():
    assert scheduler.rating_for(False) == Rating.Again
    assert scheduler.rating_for(True) == Rating.Good


def test_due_cards_come_lowest_retrievability_first():
    weak, _ = scheduler.review(scheduler.new_card(1, T0), False, T0)
    strong, _ = scheduler.review(scheduler.new_card(2, T0), True, T0)
    later = scheduler.new_card(3, T0 + timedelta(days=30))  # not due yet
    now = T0 + timedelta(days=3)
    order = scheduler.due_in_order([("strong", strong), ("later", later), ("weak", weak)], now)
    assert [k for k, _ in order] == ["weak", "strong"]
    assert order[0][1] < order[1][1]


def _question():
    return QUESTION_ADAPTER.validate_python(
        {
            "key": "q",
            "type": "single_choice",
            "stem": "S?",
            "explanation": "Because.",
            "references": ["Author 2020. Title. Journal."],
            "options": [
                {"id": "right", "text": "A", "correct": True},
                {"id": "wrong", "text": "B", "correct": False},
                {"id": "other", "text": "C", "correct": False},
            ],
        }
    )


def test_practice_tokens_are_signed_per_trainee_and_expire():
    item = practice.ServedItem(7, 42, "anat-a", practice.new_nonce(), T0)
    token = practice.sign("secret", item)
    assert practice.read("secret", token, 7, T0 + timedelta(hours=1)) == item
    with pytest.raises(practice.ItemTokenInvalid):
        practice.read("secret", token, 8, T0)  # another trainee
    with pytest.raises(practice.ItemTokenInvalid):
        practice.read("other-secret", token, 7, T0)
    with pytest.raises(practice.ItemTokenInvalid):
        practice.read("secret", token, 7, T0 + timedelta(hours=25))
    with pytest.raises(practice.ItemTokenInvalid):
        practice.read("secret", token[:-2] + "xx", 7, T0)


def test_practice_display_is_stable_per_nonce_and_hides_option_ids():
    q = _question()
    a = practice.display_for(q, "secret", "n1")
    assert a == practice.display_for(q, "secret", "n1")
    shown = [opaque for opaque, _ in a["options"]]
    assert not {"right", "wrong", "other"} & set(shown)
    opaque_right = next(o for o, real in a["options"] if real == "right")
    assert to_canonical(q, a, {"choice": opaque_right}) == {"choice": "right"}


@pytest.mark.parametrize("cell", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_csv_cells_that_look_like_formulas_are_quoted(cell):
    assert escape_cell(cell) == "'" + cell


def test_csv_plain_cells_are_unchanged():
    assert escape_cell("Ada Lovelace") == "Ada Lovelace"
    assert escape_cell(3) == "3"
    assert escape_cell(None) == ""


def test_csv_numbers_stay_numbers_and_their_text_stays_escaped():
    """A negative correlation is a number, not a formula (the item analysis's CSV); the same
    characters as text are still defused, and so is a number that is not finite."""
    assert escape_cell(-0.125) == "-0.125" and escape_cell(-3) == "-3"
    assert escape_cell("-0.125") == "'-0.125"
    assert escape_cell(float("-inf")) == "'-inf"
    assert escape_cell(True) == "True"
