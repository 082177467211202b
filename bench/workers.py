"""The spike under each gunicorn worker model, on SQLite and PostgreSQL (issue 19: "measure
sync, gthread and an async-capable setup for the spike").

    BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/workers.py
        [--models sync,gthread,gevent] [--spike 300] [--workers 3] [--gthreads 4]
        [--databases sqlite,postgresql] [--output bench/results/workers.json]

For each model it runs ``bench/run.py --scenarios spike`` in its own process (a fresh database
each time: the spike's trainees start once), with the exam module's 50 earlier exams
(``--analysis-attempts 50``), and prints one table: start p50 / p95 / p99, first save p95 and
errors per model and database. ``gevent`` needs the ``bench`` extra (``pip install -e
'.[bench]'``, which ``make bench`` installs); psycopg 3 cooperates with gevent by itself.
The numbers and the choice are in docs/benchmarks.md ("The spike, the worker model").
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("sync", "gthread", "gevent")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--spike", type=int, default=300)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--gthreads", type=int, default=4)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "workers.json")
    opts = parser.parse_args(argv)
    models = [m.strip() for m in opts.models.split(",") if m.strip()]
    if not models or set(models) - set(MODELS):
        parser.error(f"--models: choose among {', '.join(MODELS)}")
    if "gevent" in models and importlib.util.find_spec("gevent") is None:
        parser.error("--models gevent needs gevent: pip install -e '.[bench]' (make bench does)")
    if min(opts.spike, opts.workers, opts.gthreads) <= 0:
        parser.error("every count must be positive")
    opts.models = models
    return opts


def label(model: str, opts: argparse.Namespace) -> str:
    threads = f", {opts.gthreads} threads" if model == "gthread" else ""
    return f"{opts.workers} × {model}{threads}"


def table(document: dict[str, Any]) -> str:
    """One row per model: each database's start p50 / p95 / p99, save p95 (seconds), errors."""
    dbs = document["meta"]["databases"]
    head = "| worker model | " + " | ".join(
        f"{db} start p50 / p95 / p99 s | {db} save p95 s | {db} errors" for db in dbs
    )
    lines = [head + " |", "| --- |" + " --- | --- | --- |" * len(dbs)]
    for name, row in document["models"].items():
        cells = []
        for db in dbs:
            spike = row.get(db)
            if spike is None:
                cells.append("not run | | ")
                continue
            keys = ("start_p50_s", "start_p95_s", "start_p99_s")
            starts = " / ".join(f"{spike[k]:.1f}" for k in keys)
            cells.append(f"{starts} | {spike['save_p95_s']:.2f} | {spike['errors']}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_model(model: str, opts: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dna-workers-") as tmp:
        out = Path(tmp) / "spike.json"
        args = [
            sys.executable, "bench/run.py", "--scenarios", "spike", "--worker-class", model,
            "--gthreads", str(opts.gthreads), "--workers", str(opts.workers),
            "--spike", str(opts.spike), "--analysis-attempts", "50",
            "--databases", opts.databases, "--output", str(out),
        ]  # fmt: skip
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"bench/run.py --worker-class {model} failed:\n{done.stderr[-3000:]}")
        measured = json.loads(out.read_text())
    return {db: measured[db]["spike"] for db in measured if db != "meta"}


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    import platform

    started = time.gmtime()
    models = {}
    for model in opts.models:
        print(f"== {label(model, opts)}", file=sys.stderr, flush=True)
        models[label(model, opts)] = run_model(model, opts)
    ran = {db for row in models.values() for db in row}
    document = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", started),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python"
            f" {platform.python_version()}",
            "spike": opts.spike,
            "databases": [db for db in ("sqlite", "postgresql") if db in ran],
        },
        "models": models,
    }
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(document, indent=2))
    print(table(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
