"""The import's fast paths write what the one-by-one path wrote (issue 19, bench/import_ratio.py).

New standalone questions are inserted together (``services._write_new``); YAML is parsed by
libyaml when PyYAML has it, with the collector paused. None of it may change what is stored or
what an author is told.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from app.banks import loader, services
from app.banks import models as m
from app.banks.loader import load_text
from app.banks.schema import content_hash, version_content
from tests import factories

ROOT = Path(__file__).resolve().parents[2]

BANK = """
topics:
  - {id: batch-a, title: Batch A}
  - {id: batch-b, title: Batch B}
questions:
"""
QUESTION = """
  - key: {key}
    type: {kind}
    topic: batch-{topic}
    status: {status}
    difficulty: {difficulty}
    use: {use}
    objective: obj-{n}
    tags: [t{n}]
    stem: Statement {n} (test content).
    explanation: Because {n}.
    references: ["Source {n}. 2020."]
"""
CHOICE = """    options:
      - {{id: a, text: Option A{n}, feedback: Not this {n}.}}
      - {{id: b, text: Option B{n}, correct: true}}
"""
TRUE_FALSE = "    answer: true\n    feedback_true: Right {n}.\n"


def _bank_text(prefix: str, count: int = 12) -> str:
    items = []
    for n in range(count):
        kind = "single_choice" if n % 2 else "true_false"
        fields = {
            "key": f"{prefix}-{n:02d}",
            "kind": kind,
            "topic": "ab"[n % 2],
            "status": ("published", "draft", "retired")[n % 3],
            "difficulty": ("easy", "medium", "hard")[n % 3],
            "use": ("exam", "practice")[n % 2],
            "n": n,
        }
        body = (CHOICE if kind == "single_choice" else TRUE_FALSE).format(n=n)
        items.append(QUESTION.format(**fields) + body)
    return BANK + "".join(items)


def _written(session, prefix: str) -> list[dict]:
    """Every column of the questions ``prefix-*`` and their current version, ids aside."""
    rows = session.execute(
        sa.select(m.Question, m.QuestionVersion)
        .join(m.QuestionVersion, m.QuestionVersion.id == m.Question.current_version_id)
        .where(m.Question.key.like(f"{prefix}-%"))
        .order_by(m.Question.id)
    ).all()
    found = []
    for question, version in rows:
        assert version.question_id == question.id
        content = dict(version.content)
        assert content.pop("key") == question.key
        found.append(
            {
                "key": question.key.removeprefix(prefix),
                "topic": question.topic.slug,
                "status": question.status,
                "case_id": question.case_id,
                "created_at": question.created_at is not None,
                **{
                    c: getattr(version, c)
                    for c in (
                        "version_no",
                        "type",
                        "difficulty",
                        "use",
                        "objective",
                        "content_hash",
                        "media_sha256",
                        "author_id",
                        "reviewer_id",
                    )
                },
                "content": content,
                "version_created_at": version.created_at is not None,
            }
        )
    return found


def test_new_questions_written_together_get_the_rows_of_the_one_by_one_path(db_session) -> None:
    author = factories.make_user("instructor", session=db_session, enrol=False)
    bank = load_text(_bank_text("batch"))
    report = services.import_bank(db_session, bank, author)
    assert len(report.created) == 14  # two topics, twelve questions
    # The same questions under other keys, each through the one-by-one path.
    twin = load_text(_bank_text("single"))
    topics = {t.slug: t for t in db_session.scalars(sa.select(m.Topic))}
    for lq in twin.questions.values():
        services._upsert_question(
            db_session, lq, topics[lq.topic], None, {}, author, services.ImportReport(), None
        )
    db_session.flush()
    db_session.expire_all()
    batched, single = _written(db_session, "batch"), _written(db_session, "single")
    assert len(batched) == 12
    assert batched == single
    assert [q["key"] for q in batched] == [f"-{n:02d}" for n in range(12)]  # ids in file order
    for lq, row in zip(bank.questions.values(), batched, strict=True):
        assert row["content"] == {
            k: v for k, v in version_content(lq.question).items() if k != "key"
        }
        assert row["author_id"] == author.id


def test_a_second_import_of_batched_questions_changes_nothing(db_session) -> None:
    services.import_bank(db_session, load_text(_bank_text("again")))
    db_session.flush()
    db_session.expire_all()
    report = services.import_bank(db_session, load_text(_bank_text("again")))
    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == 14


def test_the_fast_yaml_parser_reads_every_bank_file_as_the_python_parser() -> None:
    files = loader.bank_files(ROOT / "question_banks")
    assert len(files) > 10
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert loader._load_yaml(text) == yaml.safe_load(text), file


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_a_bank_leaves_the_collector_as_it_found_it(enabled: bool) -> None:
    seen = []

    @loader.collector_paused()
    def watched() -> None:
        seen.append(gc.isenabled())
        raise ValueError

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        loader.load_text("questions: []\n")
        assert gc.isenabled() is enabled
        assert loader.load_text("questions: [unclosed\n").problems
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError):
            watched()
        assert seen == [False]
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_hash_made_from_the_stored_content_is_the_hash_of_the_question() -> None:
    bank = loader.load_bank(ROOT / "question_banks")
    assert len(bank.questions) > 100
    for lq in bank.questions.values():
        q = lq.question
        assert content_hash(q, version_content(q)) == content_hash(q), q.key
