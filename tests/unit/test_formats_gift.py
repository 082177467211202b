"""GIFT import: the third-party samples, our own file, escapes, weights and garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.banks.formats import FORMATS, detect_format, gift
from app.banks.schema import QuestionType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gift"
SAMPLES = sorted(FIXTURES.glob("*.gift"))


def load(name: str):
    return gift.parse((FIXTURES / name).read_text(encoding="utf-8"), name)


def by_title(result, title):
    return next(q for q in result.questions if q.title == title)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_imports_or_says_why(path: Path) -> None:
    result = gift.parse(path.read_text(encoding="utf-8"), path.name)
    assert not result.errors, result.problems
    for skipped in result.skipped:
        assert skipped.reason and skipped.source_id.startswith(f"{path.name}:")
    keys = [q.key for q in result.questions]
    assert len(keys) == len(set(keys))
    # Every block with an answer block or a description is accounted for.
    assert result.questions or result.skipped or "$CATEGORY" in path.read_text()


def test_multiple_choice_with_feedback_and_title() -> None:
    q = by_title(load("giftFormatPhpExamples.gift"), "Grant's Tomb")
    assert q.type == QuestionType.SINGLE_CHOICE and q.key == "grant-s-tomb"
    assert q.stem == "Grant is _____ in Grant's tomb."
    assert [(o.text, o.correct, o.feedback) for o in q.options] == [
        ("buried", False, "No one is buried there."),
        ("entombed", True, "Right answer!"),
        ("living", False, "We hope not!"),
    ]
    assert q.references == ["Imported from giftFormatPhpExamples.gift"]
    assert q.status.value == "draft" and q.difficulty.value == "medium" and q.objective is None


def test_partial_credit_single_choice_is_skipped_with_reason() -> None:
    result = load("giftFormatPhpExamples.gift")
    reasons = [s.reason for s in result.skipped]
    assert any("partial-credit weights (50%, 100%)" in r for r in reasons)


def test_true_false_feedback_follows_moodle() -> None:
    q = load("totara_moodle_truefalse.gift").questions[0]
    assert q.type == QuestionType.TRUE_FALSE and q.answer is False and q.key == "q1"
    # Moodle: the first feedback is for the wrong answer (true), the second for the right one.
    assert q.feedback_true == "42 is the Ultimate Answer."
    assert q.feedback_false == "You gave the right answer."


def test_multiple_answers_with_float_weights() -> None:
    q = load("multipleAnswersFloat.gift").questions[0]
    assert q.type == QuestionType.MULTIPLE_RESPONSE
    assert [o.text for o in q.options if o.correct] == ["Africa", "Asia", "Antarctica"]


def test_escapes_and_general_feedback() -> None:
    q = load("escapeAll.gift").questions[0]
    assert [o.text for o in q.options] == ["~", "=", "#", "{", "}", ":", "\\"]
    assert q.options[-1].correct
    q = by_title(load("mcHTMLComment.gift"), "EE_mod_05_T39_P079")
    assert 'style="color: #ff6600;"' in q.explanation and "\n" in q.explanation


def test_numeric_forms() -> None:
    result = load("numerical1.gift")
    values = [(q.answer, q.tolerance) for q in result.questions]
    assert (1822.0, 0.0) in values and (3.1415, 0.0005) in values
    assert (3.0, 2.0) in values and (0.0, 5.0) in values and (9.0, 0.0) in values
    assert any("1822:2 (50%)" in p and ": warning: " in p for p in result.problems)


def test_matching_with_distractor_and_formats() -> None:
    q = load("totara_moodle_match.gift").questions[0]
    assert q.type == QuestionType.MATCHING
    assert q.stem == "Match the **activity** to the description."
    assert len(q.pairs) == 4 and q.distractors == ["Chat"]


def test_short_answer_drops_partial_answers_with_warning() -> None:
    result = load("totara_moodle_shortanswer_general_feedback.gift")
    q = result.questions[0]
    assert q.answers == ["Frog"] and q.explanation == "Here is some general feedback!"
    assert any("'Cat' (50%)" in p for p in result.warnings)


def test_essay_description_and_category() -> None:
    assert load("essay1.gift").skipped[0].reason.startswith("essay")
    assert "description" in load("description1.gift").skipped[0].reason
    assert load("category1.gift").questions == []


def test_our_sample_file() -> None:
    result = load("dna_sample.gift")
    keys = {q.key: q for q in result.questions}
    q = keys["thorax-depth-01"]
    assert q.tags == ["thorax", "safety"] and q.title == "Thorax depth"
    assert q.explanation.startswith("Pneumothorax")
    assert keys["contraindications-select-all"].type == QuestionType.MULTIPLE_RESPONSE
    assert keys["referral-match"].distractors == ["Medial arm to the little finger"]
    assert keys["superficial-depth"].answer == 10
    assert keys["ltr-name"].answers == ["local twitch response", "local twitch*", "LTR"]
    tf = keys["ltr-reliability"]
    assert tf.answer is False and tf.feedback_true.startswith("Inter-rater")
    assert {s.title for s in result.skipped} == {"Reflection", "Partial credit"}


def test_keys_unique_and_stable() -> None:
    text = "Q one?{T}\n\nQ one?{T}\n\n::Same::A{T}\n\n::Same::B{F}\n"
    first, second = gift.parse(text, "x.gift"), gift.parse(text, "x.gift")
    keys = [q.key for q in first.questions]
    assert keys == [q.key for q in second.questions]
    assert keys[0].startswith("gift-") and keys[1] == keys[0] + "-2"
    assert keys[2:] == ["same", "same-2"]


def test_syntax_errors_are_located() -> None:
    result = gift.parse("// c\n\nFine?{T}\n\n::Broken::No closing {=a\n", "bad.gift")
    assert len(result.questions) == 1
    assert any(p.startswith("bad.gift:5: ") for p in result.problems)


def test_registry_and_detection() -> None:
    assert set(FORMATS) == {"yaml", "gift", "moodle-xml", "qti"}
    assert detect_format("a.gift") == "gift"
    assert detect_format("a.txt", "Q?{T}") == "gift"
    assert detect_format("a.xml", "<quiz><question/></quiz>") == "moodle-xml"
    assert detect_format("a.xml", "<qti-assessment-item/>") == "qti"
    assert detect_format("a.zip", b"PK\x03\x04...") == "qti"
    assert detect_format("a.yml") == "yaml"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab{}~=#%:-> \n\\[]$/TF0123456789.")), max_size=200))
def test_garbage_never_raises(text: str) -> None:
    result = gift.parse(text, "g.gift")
    assert all(p.startswith("g.gift:") for p in result.problems)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_binary_garbage_never_raises(data: bytes) -> None:
    gift.parse(data, "g.gift")
