"""``banks stats --json``: the issue-14 fields, computed from the database as lint computes
them from the files; a clear error without bank tables."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.banks import pools, queries
from app.banks.loader import load_bank
from app.banks.services import import_directory
from tests.banks.test_content_lint import module, q, sct, write


def _bank(tmp_path):
    questions = [
        q("e1", cognitive_level="recall"),
        q("e2"),
        q("e3", cognitive_level="analysis", difficulty="hard"),
        q("tf1", "true_false", answer=True),
        q("tf2", "true_false", answer=False, use="practice"),
        q("draft", status="draft"),
        *(q(f"p{i}", use="practice") for i in range(3)),
        sct("sct", use="practice"),
    ]
    cases = [
        {
            "key": "case-x",
            "title": "x",
            "status": "published",
            "vignette": "A patient.",
            "steps": [{"question": q("case-x-s1", "true_false", answer=True)}],
        }
    ]
    modules = [
        module(
            "alpha-exam",
            "exam",
            [
                {"topic": "alpha", "difficulty": "easy", "count": 1},
                {"topic": "alpha", "difficulty": "hard", "count": 1},
            ],
            cases=[{"count": 1}],
        ),
        module("alpha-practice", "practice", [{"topic": "alpha", "count": 2}]),
    ]
    return write(tmp_path, questions, cases=cases, modules=modules)


def test_stats_json_has_the_contract_fields(runner, db_session, tmp_path) -> None:
    folder = _bank(tmp_path)
    import_directory(db_session, folder)
    db_session.flush()
    result = runner.invoke(args=["banks", "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    # Exam questions (standalone and exam case steps): e1 recall, e2/tf1/case step
    # application (the fixture's default), e3 analysis.
    assert stats["cognitive_level"] == {"recall": 1, "application": 3, "analysis": 1}
    assert stats["exam_pools"] == [
        {"module": "alpha-exam", "topic": "alpha", "difficulty": "easy", "drawn": 1, "eligible": 3},
        {"module": "alpha-exam", "topic": "alpha", "difficulty": "hard", "drawn": 1, "eligible": 1},
        {"module": "alpha-exam", "topic": "cases", "difficulty": None, "drawn": 1, "eligible": 1},
    ]
    assert stats["practice_pools"] == [
        {"module": "alpha-practice", "unit": "questions", "eligible": 5}
    ]
    assert stats["cues"] == {
        "true_false_true_share": 0.5,
        "case_true_false_true_share": 1.0,
        "key_unique_longest_share": 0.0,
        "key_unique_shortest_share": 0.0,
    }
    # The same numbers as lint's, from the files.
    inv = pools.inventory_of_bank(load_bank(folder))
    assert queries.pool_stats(inv) == {k: stats[k] for k in queries.pool_stats(inv)}


def test_stats_without_bank_tables_is_a_clear_error(runner, monkeypatch) -> None:
    def missing(session):
        raise sa.exc.OperationalError("SELECT", {}, Exception("no such table: topics"))

    monkeypatch.setattr(queries, "bank_stats", missing)
    result = runner.invoke(args=["banks", "stats", "--json"])
    assert result.exit_code == 1
    assert "the database has no bank tables" in result.output
    assert "Traceback" not in result.output
