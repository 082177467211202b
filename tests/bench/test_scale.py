"""``bench/scale.py`` at a tiny size (SQLite): both institutions are built side by side and the
four pages issue 19 wants flat, and a start, are measured at both sizes. Nothing here asserts
speed."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import scale

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"dashboard", "item analysis", "review queue", "cohort view", "start attempt"}


@pytest.mark.timeout(600)
def test_a_tiny_scale_run_measures_every_page_at_both_sizes(tmp_path: Path) -> None:
    output = tmp_path / "scale.json"
    # Its own process: the script configures the app from the environment it sets.
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "bench/scale.py", "--small=4", "--large=6", "--repeat=1",
         "--questions=50", f"--output={output}"],
        cwd=ROOT, capture_output=True, text=True, env=env | {"PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads(output.read_text())
    assert set(document["pages"]) == PAGES
    assert (document["meta"]["small"], document["meta"]["large"]) == (4, 6)
    for row in document["pages"].values():
        for size in ("small", "large"):
            assert row[size]["warm_ms"] > 0 and row[size]["cold_ms"] > 0
        assert math.isfinite(row["ratio"]) and row["met"] == (row["ratio"] <= scale.GOAL)
    assert "| review queue |" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--small=0"],
        ["--small=5", "--repeat=3"],
        ["--large=10", "--small=10"],
        ["--questions=10"],
        ["--database-url=mysql://x"],
    ],
)
def test_bad_arguments_are_refused(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        scale.parse(args)
    assert exc.value.code == 2
