"""Identifier refusal, OSCE scoring and examiner agreement (pure)."""

from __future__ import annotations

import pytest

from app.practical import identifiers, scoring

CHECKLIST = [
    {"id": "hygiene", "weight": 2},
    {"id": "landmarks", "weight": 3},
    {"id": "count", "weight": 5},
]


@pytest.mark.parametrize(
    ("field", "text", "why"),
    [
        ("reflection", "sent notes to jane.doe@example.org", "e-mail"),
        ("reflection", "call back on +44 20 7946 0958", "phone"),
        ("adverse_event", "DOB 12/03/1980, fainted", "date"),
        ("reflection", "born 1980-03-12", "date"),
        ("reflection", "Mrs Johnson tolerated it well", "name"),
        ("patient_code", "John Smith", "de-identified code"),
        ("patient_code", "JSMITH", "de-identified code"),
        ("muscles", "name: Peter", "name"),
    ],
)
def test_identifiers_are_found(field, text, why):
    found = identifiers.first_identifier([(field, text)])
    assert found is not None and found[0] == field and why in found[1]


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("patient_code", "P-0042"),
        ("reflection", "Upper trapezius, 2 needles, local twitch response, 10 minutes."),
        ("adverse_event", "none"),
        ("muscles", "gluteus medius"),
    ],
)
def test_clean_text_passes(field, text):
    assert identifiers.first_identifier([(field, text)]) is None


def test_a_critical_error_fails_a_station_whatever_the_score():
    full = {"hygiene": True, "landmarks": True, "count": True}
    verdict = scoring.score(CHECKLIST, full, ["no_barrier"], 5, 70, 3)
    assert verdict.percent == 100.0 and not verdict.passed
    assert "critical error: no_barrier" in verdict.reasons
    assert scoring.score(CHECKLIST, full, [], 5, 70, 3).passed


def test_weighted_percentage_and_global_rating():
    verdict = scoring.score(CHECKLIST, {"hygiene": True, "count": True}, [], 4, 70, 3)
    assert verdict.percent == 70.0 and verdict.passed
    low_global = scoring.score(CHECKLIST, {"hygiene": True, "count": True}, [], 2, 70, 3)
    assert not low_global.passed


def test_kappa_against_a_hand_computed_example():
    # 10 paired marks: both yes 4, A yes B no 2, A no B yes 1, both no 3.
    pairs = [(True, True)] * 4 + [(True, False)] * 2 + [(False, True)] + [(False, False)] * 3
    result = scoring.agreement(pairs)
    # p_o = 7/10 = 0.70; A yes 0.6, B yes 0.5; p_e = 0.6*0.5 + 0.4*0.5 = 0.50
    # kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    assert result.percent == 70.0
    assert result.kappa == pytest.approx(0.40)


def test_kappa_is_undefined_when_both_examiners_are_constant():
    result = scoring.agreement([(True, True)] * 5)
    assert result.percent == 100.0 and result.kappa is None


def test_agreement_per_item_and_overall():
    markings = [
        scoring.PairedMarking(("a", "b"), {"a": True, "b": True}, {"a": True, "b": False}),
        scoring.PairedMarking(("a", "b"), {"a": False, "b": True}, {"a": False, "b": True}),
    ]
    per_item = scoring.item_agreement(markings)
    assert per_item["a"].percent == 100.0 and per_item["b"].percent == 50.0
    assert scoring.overall_agreement(markings).percent == 75.0


def test_leniency_compares_examiners_on_the_same_performances():
    scores = [
        (1, "ann", 80.0),
        (1, "bob", 70.0),
        (2, "ann", 90.0),
        (2, "bob", 70.0),
        (3, "bob", 10),
    ]
    assert scoring.leniency(scores) == {"ann": 15.0, "bob": -15.0}
