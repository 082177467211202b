"""Instructions per start and save of the spike's exam, in one process, under callgrind.

    .venv/bin/python bench/instructions.py [--pairs 30] [--databases sqlite,postgresql]
    .venv/bin/python bench/instructions.py --submits [--pairs 30]

Wall time on a shared 2-core virtual machine moves by tens of percent between two runs of the
same code; ``valgrind --tool=callgrind`` counts the instructions the Python process executes,
which repeat to within half a percent whatever else the machine does. So each change to the
start and the save can be weighed on its own (issue 19; docs/benchmarks.md, "What a start and
a save cost").

For each database (SQLite in a temporary folder; PostgreSQL from BENCH_DATABASE_URL, whose
schema is emptied first) it prepares ``bench/run.py``'s world (``flask demo setup``,
``flask bench seed`` with 200 earlier exams of the module, tokens), then runs a child process
under callgrind with its counting switched off: the child builds the app, makes 10 pairs (a
trainee starts the 50-question exam and saves one answer, through the test client) to warm
its caches, switches counting on (``callgrind_control``), makes ``--pairs`` more, and
switches it off. It prints the instructions per pair. The database server's work is not
counted, nor HTTP parsing (gunicorn): this measures the application's own code. Not part of
``make test``.

``--submits`` counts submits of the exam instead: the child opens and answers an exam for
each of 10 + ``--pairs`` trainees first, uncounted (as ``bench/submit_pool.py`` does for
``bench/run.py``), submits 10 to warm up, then counts ``--pairs`` submits.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WARM_PAIRS = 10


def child(world_path: str, pairs: int, submits: bool = False) -> None:
    """Runs under callgrind: the warm operations uncounted, then ``pairs`` counted."""
    from app import create_app

    world = json.loads(Path(world_path).read_text())
    app = create_app()
    client = app.test_client()
    module = world["module"]

    def pair(trainee: dict) -> None:
        headers = {"Authorization": f"Bearer {trainee['token']}"}
        started = client.post(f"/api/v1/modules/{module}/attempts", headers=headers)
        if started.status_code != 201:
            raise SystemExit(f"start: {started.status_code} {started.data[:200]!r}")
        body = started.get_json()
        item = body["items"][0]
        saved = client.put(
            f"/api/v1/attempts/{body['id']}/items/{item['id']}",
            json={"response": {"choice": item["options"][0]["id"]}, "seq": 0},
            headers=headers,
        )
        if saved.status_code != 200:
            raise SystemExit(f"save: {saved.status_code} {saved.data[:200]!r}")

    trainees = world["spike"][: WARM_PAIRS + pairs]
    operation = pair
    if submits:
        operation = _submits(app, client, trainees, module)
    for trainee in trainees[:WARM_PAIRS]:
        operation(trainee)
    control = ["callgrind_control", "--instr=on", str(os.getpid())]
    subprocess.run(control, check=True, capture_output=True)
    for trainee in trainees[WARM_PAIRS:]:
        operation(trainee)
    control[1] = "--instr=off"
    subprocess.run(control, check=True, capture_output=True)


def _submits(app: Any, client: Any, trainees: list[dict], module: str) -> Any:
    """An open, answered exam for each trainee (uncounted), and the submit of a trainee's."""
    import sqlalchemy as sa

    from app.banks.models import Module
    from app.extensions import db
    from bench.submit_pool import open_exams

    emails = [trainee["email"] for trainee in trainees]
    with app.app_context():
        found = db.session.scalar(sa.select(Module).where(Module.slug == module))
        opened = dict(zip(emails, open_exams(db.session, emails, found), strict=True))

    def submit(trainee: dict) -> None:
        headers = {"Authorization": f"Bearer {trainee['token']}"}
        done = client.post(f"/api/v1/attempts/{opened[trainee['email']]}/submit", headers=headers)
        if done.status_code != 200:
            raise SystemExit(f"submit: {done.status_code} {done.data[:200]!r}")

    return submit


def measure(name: str, url: str, pairs: int, submits: bool = False) -> int:
    """Instructions for ``pairs`` pairs (or submits) on database ``name``."""
    from bench import run

    env = run.bench_env(name, url)
    opts = run.parse(["--analysis-attempts", "200", "--spike", str(pairs + WARM_PAIRS)])
    world = run.prepare(env, opts)
    with tempfile.TemporaryDirectory(prefix="dna-instructions-") as tmp:
        world_path = Path(tmp) / "world.json"
        world_path.write_text(json.dumps(world))
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}",
                sys.executable,
                __file__,
                "--child",
                str(world_path),
                "--pairs",
                str(pairs),
                *(["--submits"] if submits else []),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return int(found.group(1))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30, help="counted pairs (default 30)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--submits", action="store_true", help="count submits of the exam")
    parser.add_argument("--child", metavar="WORLD", help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if not 1 <= opts.pairs <= 1000:
        parser.error("--pairs must be from 1 to 1000")
    names = [d.strip() for d in opts.databases.split(",") if d.strip()]
    if not names or set(names) - {"sqlite", "postgresql"}:
        parser.error("--databases: sqlite, postgresql or both, comma separated")
    opts.databases = names
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    if opts.child:
        child(opts.child, opts.pairs, opts.submits)
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    for name in opts.databases:
        url = os.environ.get("BENCH_DATABASE_URL", "") if name == "postgresql" else ""
        if name == "postgresql" and not url:
            print("postgresql: BENCH_DATABASE_URL is not set, skipped", flush=True)
            continue
        total = measure(name, url, opts.pairs, opts.submits)
        what = ("submit", "submits") if opts.submits else ("start and save", "pairs")
        print(
            f"{name}: {total / opts.pairs / 1e6:.1f} M instructions per {what[0]} "
            f"({total:,} for {opts.pairs} {what[1]})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
