"""``bench/workers.py``: the spike under each worker model (issue 19), at a tiny scale on
SQLite. Nothing here asserts speed: only that every model is served and measured, and that
the table reports what was measured."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import workers


@pytest.mark.timeout(600)
def test_every_worker_model_serves_the_spike(tmp_path: Path) -> None:
    output = tmp_path / "workers.json"
    args = ["--spike=2", "--workers=1", "--gthreads=2", "--databases=sqlite", f"--output={output}"]
    assert workers.main(args) == 0
    document = json.loads(output.read_text())
    assert list(document["models"]) == ["1 × sync", "1 × gthread, 2 threads", "1 × gevent"]
    assert document["meta"]["databases"] == ["sqlite"] and document["meta"]["spike"] == 2
    for spike in document["models"].values():
        assert spike["sqlite"]["trainees"] == 2 and spike["sqlite"]["errors"] == 0
        assert all(math.isfinite(spike["sqlite"][k]) for k in ("start_p95_s", "save_p95_s"))


def test_the_table_shows_each_model_and_database() -> None:
    spike = {"start_p50_s": 1.04, "start_p95_s": 2.25, "start_p99_s": 3.0, "save_p95_s": 0.5}
    document = {
        "meta": {"databases": ["sqlite", "postgresql"]},
        "models": {
            "3 × sync": {"sqlite": spike | {"errors": 0}, "postgresql": spike | {"errors": 4}},
            "3 × gevent": {"sqlite": spike | {"errors": 1}},
        },
    }
    lines = workers.table(document).splitlines()
    assert lines[0].count("start p50 / p95 / p99 s") == 2
    assert lines[2] == "| 3 × sync | 1.0 / 2.2 / 3.0 | 0.50 | 0 | 1.0 / 2.2 / 3.0 | 0.50 | 4 |"
    assert lines[3].startswith("| 3 × gevent | 1.0 / 2.2 / 3.0 | 0.50 | 1 | not run")


def test_bad_arguments_are_refused() -> None:
    for args in (["--models=sync,fibers"], ["--models=,"], ["--spike=0"], ["--workers=-1"]):
        with pytest.raises(SystemExit) as exc:
            workers.parse(args)
        assert exc.value.code == 2
