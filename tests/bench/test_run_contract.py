"""``bench/run.py`` end to end at a tiny scale (SQLite): the results keep their contract.

Nothing here asserts speed: only that every endpoint, ratio and scenario is measured and
that ``bench/results/latest.json`` has the keys and finite numbers issue 19 promises, and that
docs/benchmarks.md's results section is replaced (in a copy).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from bench import report, run

ROOT = Path(__file__).resolve().parents[2]
RATIOS = (
    "save_answer_per_db_write",
    "save_p95_per_db_write_p95",
    "attempt_page_per_db_read",
    "verify_page_per_db_read",
    "login_per_argon2_bound",
)
SPIKE = ("trainees", "start_p50_s", "start_p95_s", "start_p99_s", "save_p95_s", "errors")


@pytest.mark.timeout(600)
def test_a_tiny_run_keeps_the_contract(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    args = [
        "--seconds=0.3",
        "--runs=1",
        "--threads=1",
        "--workers=1",
        "--spike=3",
        "--steady-seconds=1",
        "--steady-every=0.5",
        "--analysis-attempts=2",
        "--questions=50",
        "--pdf-renders=1",
        "--databases=sqlite",
        "--no-docs",
        f"--output={output}",
    ]
    assert run.main(args) == 0
    document = json.loads(output.read_text())
    assert set(document) == {"sqlite", "meta"}
    sqlite = document["sqlite"]
    for key in RATIOS:
        assert math.isfinite(sqlite["ratios"][key]) and sqlite["ratios"][key] > 0, key
    assert set(SPIKE) <= set(sqlite["spike"])
    assert sqlite["spike"]["trainees"] == 3 and sqlite["spike"]["errors"] == 0
    assert sqlite["spike"]["error_statuses"] == {}
    assert all(math.isfinite(sqlite["spike"][k]) for k in SPIKE)
    assert sqlite["steady"]["requests"] > 0 and sqlite["steady"]["errors"] == 0
    for name, measured in sqlite["endpoints"].items():
        assert measured["requests"] > 0, name
        assert measured["errors"] == 0, (name, measured)
    # The goals' ratios come from runs paired with their baselines (the same moments).
    save = sqlite["endpoints"]["save (API)"]["paired"]
    assert save["baseline"] == "db-write"
    assert sqlite["ratios"]["save_answer_per_db_write"] == save["rps_ratio"]
    assert sqlite["ratios"]["save_p95_per_db_write_p95"] == save["p95_ratio"]
    page = sqlite["endpoints"]["attempt page (API)"]["paired"]
    assert page["baseline"] == "db-read"
    assert sqlite["ratios"]["attempt_page_per_db_read"] == page["rps_ratio"]
    assert "paired" not in sqlite["endpoints"]["dashboard"]
    docs = tmp_path / "benchmarks.md"
    shutil.copy(ROOT / "docs" / "benchmarks.md", docs)
    report.refresh_docs(docs, report.markdown(document))
    report.refresh_docs(docs, report.markdown(document))  # twice: replaced, not appended
    text = docs.read_text()
    assert text.count(report.START) == 1 and "| save (API) req/s ÷ db-write |" in text


@pytest.mark.timeout(600)
def test_a_spike_only_run_measures_the_spike_and_leaves_the_docs(tmp_path: Path) -> None:
    output = tmp_path / "spike.json"
    args = [
        "--scenarios=spike",
        "--threads=1",
        "--workers=1",
        "--spike=2",
        "--analysis-attempts=2",
        "--questions=50",
        "--databases=sqlite",
        f"--output={output}",
    ]
    opts = run.parse(args)
    assert opts.scenarios == ["spike"] and opts.no_docs  # a partial run never writes the docs
    assert run.main(args) == 0
    sqlite = json.loads(output.read_text())["sqlite"]
    assert sqlite["endpoints"] == {} and sqlite["steady"] == {} and sqlite["ratios"] == {}
    assert sqlite["spike"]["trainees"] == 2 and sqlite["spike"]["errors"] == 0


def test_bad_arguments_are_refused() -> None:
    for args in (
        ["--seconds=0"],
        ["--threads=-1"],
        ["--questions=10"],
        ["--scenarios=spike,nope"],
        ["--scenarios=,"],
    ):
        with pytest.raises(SystemExit) as exc:
            run.parse(args)
        assert exc.value.code == 2


def test_goals_are_postgresqls_unless_the_issue_names_sqlite() -> None:
    """Issue 19: "same-run ratios; PostgreSQL unless noted": only the save has a SQLite goal;
    SQLite's other ratios are shown without a verdict."""
    ratios = {key: 0.1 for key, *_ in report.GOALS}
    document = {"sqlite": {"ratios": ratios}, "postgresql": {"ratios": ratios}}
    rows = {
        line.split(" | ")[0][2:]: line
        for line in report._goal_table(document, ["sqlite", "postgresql"])
    }
    assert rows["save (API) req/s ÷ db-write"].count("**not met**") == 2
    submit = rows["submit (50 questions) ÷ db-write"]
    assert "0.10 (no goal) | 0.10 **not met** | ≥ postgresql 0.25 |" in submit
    assert "0.10 (no goal)" in rows["save p95 ÷ db-write p95"]
