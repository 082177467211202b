"""Moodle XML import: a Moodle 4 style export with every supported type, an essay, a cloze."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.banks.formats import moodle_xml
from app.banks.schema import QuestionType

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle" / "sample.xml"


def load():
    return moodle_xml.parse(SAMPLE.read_text(encoding="utf-8"), "sample.xml")


def test_types_keys_and_skips() -> None:
    result = load()
    assert not result.errors
    got = {q.key: q.type for q in result.questions}
    assert got == {
        "thorax-depth-01": QuestionType.SINGLE_CHOICE,
        "absolute-contraindications": QuestionType.MULTIPLE_RESPONSE,
        "ltr-reliability": QuestionType.TRUE_FALSE,
        "referral-regions": QuestionType.MATCHING,
        "ltr-name": QuestionType.SHORT_ANSWER,
        "superficial-depth": QuestionType.NUMERIC,
        "ptx-response-order": QuestionType.ORDERING,
    }
    skipped = {s.title: s.reason for s in result.skipped}
    assert skipped["Consent conversation"].startswith("essay")
    assert "Cloze" in skipped["Needle gauges"]
    assert all(s.source_id.startswith("sample.xml:") for s in result.skipped)


def test_fields() -> None:
    qs = {q.key: q for q in load().questions}
    q = qs["thorax-depth-01"]
    assert q.stem == "Which structure lies **deep** to the thoracic paraspinal muscles?"
    assert q.explanation.startswith("Pneumothorax") and q.tags == ["thorax", "safety"]
    assert q.options[0].feedback == "The lung lies beneath the thin thoracic wall."
    assert q.references == ["Imported from sample.xml"]
    assert qs["absolute-contraindications"].shuffle is False
    tf = qs["ltr-reliability"]
    assert tf.answer is False and tf.feedback_true.startswith("Inter-rater")
    assert qs["referral-regions"].distractors == ["Medial arm to the little finger"]
    num = qs["superficial-depth"]
    assert (num.answer, num.tolerance, num.unit) == (10.0, 0.5, "mm")
    assert qs["ptx-response-order"].items[0] == "Stop needling and remove the needles"
    assert qs["ltr-name"].answers == ["local twitch response", "LTR"]


def test_partial_answers_reported() -> None:
    assert any("'twitch' (50%)" in w for w in load().warnings)


def test_entity_declarations_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;">]><quiz>&lol2;</quiz>'
    )
    result = moodle_xml.parse(bomb, "bomb.xml")
    assert result.questions == [] and "DOCTYPE" in result.problems[0]


def test_malformed_xml_is_located() -> None:
    result = moodle_xml.parse("<quiz>\n<question type='truefalse'>\n</quiz>", "m.xml")
    assert result.problems and result.problems[0].startswith("m.xml:3: not well-formed")


def test_unknown_and_invalid_questions() -> None:
    text = (
        "<quiz><question type='ddwtos'><name><text>DD</text></name></question>"
        "<question type='wizard'><name><text>W</text></name></question>"
        "<question type='multichoice'><name><text>Bad</text></name>"
        "<questiontext><text>Q</text></questiontext><single>true</single>"
        "<answer fraction='100'><text>only one</text></answer></question></quiz>"
    )
    result = moodle_xml.parse(text, "u.xml")
    reasons = {s.title: s.reason for s in result.skipped}
    assert "drag-and-drop" in reasons["DD"] and "wizard" in reasons["W"]
    assert "does not validate" in reasons["Bad"] and "options" in reasons["Bad"]


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>/=\"' quizestionypanswrfcmtxl0123456789!&;[]")),
        max_size=300,
    )
)
def test_garbage_never_raises(text: str) -> None:
    moodle_xml.parse(text, "g.xml")
    moodle_xml.parse("<quiz><question type='multichoice'>" + text + "</question></quiz>", "g.xml")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_binary_garbage_never_raises(data: bytes) -> None:
    moodle_xml.parse(data, "g.xml")
