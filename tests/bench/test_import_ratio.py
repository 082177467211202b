"""``bench/import_ratio.py`` at a tiny scale (SQLite): it imports, copies the rows the import
wrote into a second database with a plain bulk insert, and reports both rates. Nothing here
asserts speed."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import yaml

from bench import import_ratio


def test_the_synthetic_bank_is_deterministic_and_says_it_is_synthetic(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        import_ratio.write_bank(folder, 40, seed=3)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert all((first / n).read_text() == (second / n).read_text() for n in names)
    questions = [
        q for n in names for q in (yaml.safe_load((first / n).read_text()).get("questions") or [])
    ]
    assert len(questions) == 40
    assert {q["type"] for q in questions} == {"single_choice", "true_false"}
    assert all(
        import_ratio.MARK in q["stem"] and import_ratio.MARK in q["explanation"] for q in questions
    )


def test_a_tiny_run_imports_copies_and_reports(capsys) -> None:
    opts = argparse.Namespace(
        questions=30, runs=1, seed=1, pg_url=import_ratio.PG_URL, profile=None
    )
    result = import_ratio.measure("sqlite", opts)
    for key in ("import_q_per_s", "bulk_insert_q_per_s", "ratio", "ratio_writes_only"):
        assert math.isfinite(result[key]) and result[key] > 0
    assert result["import_s"] >= result["load_s"] > 0
    out = capsys.readouterr().out
    assert "questions 30, question_versions 30" in out
    assert "audit_events 1" in out
