"""Moodle's own published fixtures import: what we can represent is imported, the rest is
skipped with the reason; never a whole-file refusal (tests/fixtures/moodle/README.md)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.banks import models as m
from app.banks.formats import FORMATS, detect_format, gift, moodle_xml
from tests import factories
from tests.conftest import csrf_token_from, login

MOODLE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle"
MOODLE_FILES = sorted(p.name for p in MOODLE.iterdir() if p.name.endswith((".xml", ".gift.txt")))

# file -> (questions imported, questions skipped): what Moodle's files hold that we can carry.
EXPECTED = {
    "questions.gift.txt": (8, 1),  # the essay is skipped
    "questions_in_category.gift.txt": (4, 0),
    "broken_cloze_questions.xml": (0, 5),  # cloze
    "categories_reverse_order.xml": (1, 1),  # essay
    "category_with_description.xml": (1, 0),
    "deprecated_category.xml": (1, 0),
    "error_invalid_grades.xml": (0, 1),  # fractions that Moodle itself refuses
    "export_category.xml": (1, 0),
    "html_chars_in_idnumbers.xml": (1, 0),
    "multianswer.xml": (0, 1),  # cloze
    "nested_categories.xml": (1, 0),
    "nested_categories_with_questions.xml": (4, 1),  # essay
    "old_format_file.xml": (2, 0),
    "sample_questions_with_old_image_tag.xml": (1, 1),  # cloze
}


def parse(name: str):
    data = (MOODLE / name).read_bytes()
    fmt = detect_format(name, data)
    assert fmt in ("gift", "moodle-xml"), name
    return FORMATS[fmt].parse(data, name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_moodle_fixture_imports_what_it_can_and_names_the_rest(name) -> None:
    result = parse(name)
    assert result.errors == [], result.errors
    assert (len(result.questions), len(result.skipped)) == EXPECTED[name], (
        [q.key for q in result.questions],
        [str(s) for s in result.skipped],
    )
    for skipped in result.skipped:
        assert skipped.reason and skipped.source_id.startswith(f"{name}:")


def test_every_fixture_file_is_listed() -> None:
    own = {"sample.xml", "matching.xml"}  # written here, not Moodle's
    assert set(MOODLE_FILES) - own == set(EXPECTED)


def test_questions_gift_imports_all_but_the_essay_with_its_reason() -> None:
    result = parse("questions.gift.txt")
    types = [q.type.value for q in result.questions]
    assert types == [
        "matching",
        "single_choice",
        "multiple_response",
        "numeric",
        "short_answer",
        "true_false",
        "true_false",
        "true_false",
    ]
    [essay] = result.skipped
    assert essay.title == "Q8" and "essay" in essay.reason
    numeric = next(q for q in result.questions if q.type.value == "numeric")
    assert (numeric.answer, numeric.tolerance) == (3.0, 2.0)
    # Moodle's "~" wrong-answer feedback of a numeric question: dropped, with a warning.
    assert any("Completely wrong" in w for w in result.warnings)


def test_questions_in_category_gift_imports_all_four_with_the_category_tag() -> None:
    result = parse("questions_in_category.gift.txt")
    assert [q.type.value for q in result.questions] == [
        "matching",
        "single_choice",
        "short_answer",
        "true_false",
    ]
    assert all(q.tags == ["default-for-new-features"] for q in result.questions)
    greeting = result.questions[1]
    assert "Listen to this greeting:" in greeting.stem and 'href="http://demo' in greeting.stem


def test_gift_numeric_answers_are_read_as_moodle_reads_them() -> None:
    result = gift.parse("::N::Pick one{#=3:2 =%50%4:1 ~#Wrong}", "n.gift")
    [q] = result.questions
    assert (q.answer, q.tolerance) == (3.0, 2.0)
    assert result.errors == []
    assert any("4:1 (50%)" in w and "Wrong" in w for w in result.warnings)


def test_a_moodle_matching_question_imports_as_matching() -> None:
    result = parse("matching.xml")
    assert result.errors == [] and result.skipped == []
    [q] = result.questions
    assert q.type.value == "matching" and q.key == "referral-match-01"
    assert [p.premise for p in q.pairs] == ["Upper trapezius", "Infraspinatus", "Gluteus minimus"]
    assert q.distractors == ["Medial forearm"]
    assert q.tags == ["referral-patterns"]


def test_both_spellings_of_matching_import_and_export_writes_matching() -> None:
    text = (MOODLE / "matching.xml").read_text(encoding="utf-8")
    old = moodle_xml.parse(text.replace('type="matching"', 'type="match"'), "old.xml")
    new = moodle_xml.parse(text, "new.xml")
    assert old.questions[0].model_dump() | {"references": []} == new.questions[0].model_dump() | {
        "references": []
    }
    exported = moodle_xml.export(new.questions).data
    assert '<question type="matching">' in exported and 'type="match"' not in exported
    again = moodle_xml.parse(exported, "again.xml")
    assert again.questions[0].pairs == new.questions[0].pairs


@pytest.mark.parametrize(
    ("qtype", "word"),
    [
        ("description", "description"),
        ("essay", "essay"),
        ("cloze", "cloze"),
        ("multianswer", "cloze"),
        ("calculated", "calculated"),
        ("calculatedsimple", "calculated"),
        ("calculatedmulti", "calculated"),
        ("ddwtos", "drag-and-drop"),
        ("ddimageortext", "drag-and-drop"),
        ("ddmarker", "drag-and-drop"),
        ("ddmatch", "drag-and-drop"),
    ],
)
def test_unsupported_moodle_types_are_skipped_with_the_reason(qtype, word) -> None:
    xml = (
        f'<quiz><question type="{qtype}"><name><text>Q {qtype}</text></name>'
        "<questiontext><text>Text</text></questiontext></question></quiz>"
    )
    result = moodle_xml.parse(xml, "x.xml")
    assert result.questions == [] and result.errors == []
    [skipped] = result.skipped
    assert skipped.title == f"Q {qtype}" and word in skipped.reason.lower()


def test_the_cli_imports_questions_gift_and_names_the_skipped_essay(runner, db_session) -> None:
    result = runner.invoke(
        args=["banks", "import", str(MOODLE / "questions.gift.txt"), "--topic", "moodle"]
    )
    assert result.exit_code == 0, result.output
    assert "8 created" in result.output
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 1 and "Q8" in skipped[0] and "essay" in skipped[0]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(m.Question)) == 8


def test_the_cli_imports_a_moodle_matching_question(runner, db_session) -> None:
    result = runner.invoke(
        args=["banks", "import", str(MOODLE / "matching.xml"), "--topic", "moodle"]
    )
    assert result.exit_code == 0, result.output
    version = db_session.scalar(
        sa.select(m.QuestionVersion).join(
            m.Question, m.Question.current_version_id == m.QuestionVersion.id
        )
    )
    assert version.type == "matching"


def test_the_studio_import_page_lists_the_skipped_essay(client, db_session) -> None:
    user = factories.make_user("instructor")
    db_session.commit()
    assert login(client, user.email).status_code == 302
    token = csrf_token_from(client.get("/studio/import").get_data(as_text=True))
    data = (MOODLE / "questions.gift.txt").read_bytes()
    r = client.post(
        "/studio/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "questions.gift.txt"), "format": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Nothing can be imported" not in page
    assert "8 created" in page and "Skipped" in page and "essay" in page
