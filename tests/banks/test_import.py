"""Importing banks: all or nothing, idempotent, versioned; foreign formats report skips."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.banks import models as m
from app.banks.lint import lint_path
from app.banks.services import import_directory
from app.quiz.services import start_attempt
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"

SMALL_BANK = """
topics:
  - {id: safety, title: Safety}
questions:
  - key: q-one
    type: single_choice
    topic: safety
    status: published
    difficulty: easy
    stem: Original stem
    options:
      - {id: a, text: Right, correct: true}
      - {id: b, text: Wrong}
    explanation: Because.
    references: ["Source 2020. Title."]
  - key: q-two
    type: true_false
    topic: safety
    status: published
    difficulty: easy
    stem: A statement.
    answer: true
    explanation: Because.
    references: ["Source 2020. Title."]
modules:
  - slug: mini-exam
    title: Mini exam
    mode: exam
    blueprint: [{topic: safety, count: 2}]
"""


def write_bank(folder: Path, text: str = SMALL_BANK) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bank.yaml").write_text(text, encoding="utf-8")
    return folder


def row_counts(session) -> dict[str, int]:
    tables = [
        m.Topic,
        m.Question,
        m.QuestionVersion,
        m.Case,
        m.CaseVersion,
        m.Module,
        m.Program,
        m.Media,
    ]
    return {
        t.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables
    }


def test_the_curriculum_lints_clean_with_no_item_writing_warnings() -> None:
    errors, warnings = lint_path(str(ROOT / "question_banks"))
    assert errors == []
    assert warnings == []


def test_lint_command_exits_1_on_errors_and_0_with_only_warnings(runner, tmp_path) -> None:
    broken = write_bank(tmp_path / "broken", SMALL_BANK.replace("correct: true", "correct: no"))
    result = runner.invoke(args=["banks", "lint", str(broken)])
    assert result.exit_code == 1
    assert "question 'q-one': options: a single-answer question needs exactly one correct" in (
        result.output
    )
    warned = write_bank(
        tmp_path / "warned", SMALL_BANK.replace("    explanation: Because.\n", "", 1)
    )
    result = runner.invoke(args=["banks", "lint", str(warned)])
    assert result.exit_code == 0
    assert "explanation: missing" in result.output


def test_import_is_idempotent_and_reports_counts(runner, db_session, tmp_path) -> None:
    folder = write_bank(tmp_path / "bank")
    first = runner.invoke(args=["banks", "import", str(folder)])
    assert first.exit_code == 0, first.output
    assert "created: question q-one" in first.output
    before = row_counts(db_session)
    second = runner.invoke(args=["banks", "import", str(folder)])
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated, 4 unchanged, 0 skipped" in second.output
    assert row_counts(db_session) == before


def test_a_broken_bank_reports_every_error_and_changes_nothing(
    runner, db_session, tmp_path
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "a.yaml").write_text("questions: [unclosed\n", encoding="utf-8")
    (folder / "b.yaml").write_text(
        """
topic: safety
topics: [{id: safety, title: Safety}]
questions:
  - key: no-key
    type: single_choice
    stem: s
    options: [{id: a, text: A}, {id: b, text: B}]
    references: [r]
  - key: odd-type
    type: essay
    stem: s
    references: [r]
  - key: missing-image
    type: hotspot
    stem: s
    image: images/nowhere.svg
    image_alt: alt
    regions: [{id: r, label: R, correct: true, points: [[0, 0], [1, 0], [1, 1]]}]
    references: [r]
  - key: fine
    type: true_false
    stem: s
    answer: true
    references: [r]
""",
        encoding="utf-8",
    )
    before = row_counts(db_session)
    result = runner.invoke(args=["banks", "import", str(folder)])
    assert result.exit_code == 1
    out = result.output
    assert "a.yaml: not valid YAML (line 2" in out
    assert "question 'no-key': options: a single-answer question needs exactly one" in out
    assert "question 'odd-type': type: unknown question type 'essay'" in out
    assert "question 'missing-image': image: image 'images/nowhere.svg' not found" in out
    assert "nothing was imported" in out
    assert row_counts(db_session) == before


def test_editing_a_stem_makes_one_new_version_and_attempts_keep_the_old(
    db_session, tmp_path
) -> None:
    folder = write_bank(tmp_path / "bank")
    import_directory(db_session, folder)
    trainee = factories.make_user("trainee")
    module = db_session.scalar(sa.select(m.Module).where(m.Module.slug == "mini-exam"))
    attempt = start_attempt(db_session, trainee, module, rng=random.Random(1))
    old_versions = {item.question_version_id for item in attempt.items}

    write_bank(folder, SMALL_BANK.replace("Original stem", "Edited stem"))
    report = import_directory(db_session, folder)
    assert report.updated == ["question q-one"]
    question = db_session.scalar(sa.select(m.Question).where(m.Question.key == "q-one"))
    versions = db_session.scalars(
        sa.select(m.QuestionVersion)
        .where(m.QuestionVersion.question_id == question.id)
        .order_by(m.QuestionVersion.version_no)
    ).all()
    assert [v.version_no for v in versions] == [1, 2]
    assert versions[1].as_question().stem == "Edited stem"
    assert question.current_version_id == versions[1].id
    db_session.refresh(attempt)
    assert {item.question_version_id for item in attempt.items} == old_versions
    assert versions[0].id in old_versions


def test_the_curriculum_imports_with_its_images(db_session) -> None:
    report = import_directory(db_session, ROOT / "question_banks")
    assert not report.skipped
    hotspots = db_session.scalars(
        sa.select(m.QuestionVersion).where(m.QuestionVersion.type == "hotspot")
    ).all()
    assert len(hotspots) >= 12
    assert all(v.media_sha256 for v in hotspots)
    media = db_session.get(m.Media, hotspots[0].media_sha256)
    assert media.content_type == "image/svg+xml"


def test_stats_json_has_the_documented_shape(runner, db_session, tmp_path) -> None:
    import_directory(db_session, write_bank(tmp_path / "bank"))
    result = runner.invoke(args=["banks", "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["questions"] == {
        "total": 2,
        "by_topic": {"safety": 2},
        "by_type": {"single_choice": 1, "true_false": 1},
        "by_difficulty": {"easy": 2},
        "by_status": {"published": 2},
    }
    assert (stats["cases"], stats["modules"], stats["programs"]) == (0, 1, 0)


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "gift").glob("*.gift")))
def test_every_gift_sample_imports_or_says_what_was_skipped(
    runner, db_session, tmp_path, name
) -> None:
    result = runner.invoke(
        args=["banks", "import", str(FIXTURES / "gift" / name), "--format", "gift", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was saved" in result.output
    for line in result.output.splitlines():
        if line.startswith("skipped: "):
            assert line.count(": ") >= 2, f"a skip without a reason: {line}"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(m.Question)) == 0


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "qti3").glob("*.xml")))
def test_every_qti_sample_imports_or_says_what_was_skipped(runner, db_session, name) -> None:
    result = runner.invoke(
        args=["banks", "import", str(FIXTURES / "qti3" / name), "--format", "qti"]
    )
    assert result.exit_code == 0, result.output
    assert "created: question" in result.output or "skipped: " in result.output


def test_a_moodle_xml_export_imports_with_types_keys_and_feedback(runner, db_session) -> None:
    result = runner.invoke(
        args=["banks", "import", str(FIXTURES / "moodle" / "sample.xml"), "--topic", "moodle"]
    )
    assert result.exit_code == 0, result.output
    assert "skipped: " in result.output and "essay" in result.output.lower()
    rows = db_session.execute(
        sa.select(m.Question.key, m.QuestionVersion.type).join(
            m.QuestionVersion, m.QuestionVersion.id == m.Question.current_version_id
        )
    ).all()
    types = {t.value if hasattr(t, "value") else t for _, t in rows}
    assert {"single_choice", "true_false", "matching", "short_answer", "numeric"} <= types
    choice = next(
        v
        for k, v in db_session.execute(
            sa.select(m.Question.key, m.QuestionVersion).join(
                m.QuestionVersion, m.QuestionVersion.id == m.Question.current_version_id
            )
        ).all()
        if v.type == "single_choice"
    )
    assert any(o.feedback for o in choice.as_question().options)


def test_yaml_export_then_import_changes_nothing(runner, db_session, tmp_path) -> None:
    import_directory(db_session, write_bank(tmp_path / "bank"))
    out = tmp_path / "export" / "bank.yaml"
    out.parent.mkdir()
    result = runner.invoke(args=["banks", "export", "--format", "yaml", str(out)])
    assert result.exit_code == 0, result.output
    shutil.copy(tmp_path / "bank" / "bank.yaml", tmp_path / "export" / "modules.yaml")
    again = runner.invoke(args=["banks", "import", str(out)])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated" in again.output
