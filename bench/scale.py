"""A large institution against a small one, in one run: the pages that must stay flat (issue 19).

    PYTHONPATH=. .venv/bin/python bench/scale.py [--small 200] [--large 4000] [--repeat 7]
        [--database-url postgresql+psycopg://…]   # default: a temporary SQLite file

One fresh database (SQLite in a temporary folder, or the PostgreSQL database given, whose
schema is emptied first) holds the demo and two synthetic institutions seeded side by side
(``flask bench seed --prefix small`` and ``--prefix large``: ``--small`` and ``--large``
trainees, one submitted 50-question exam each, drawn from ``--questions`` questions). For each
size it requests in-process (Flask's test client, bench/explain.py's world: the demo instructor
teaching the cohort, 30 pending completions; then ``ANALYZE``) the four pages issue 19 wants
flat:

- the trainee's dashboard (the institution's first trainee);
- the studio's item analysis of the institution's module;
- the admin review queue of the institution's cohort (``/admin/completions?cohort=…``);
- the instructor's cohort view of that cohort (``/cohort?cohort=…``);
- a trainee's start of the institution's exam (``POST /api/v1/modules/…/attempts``, a
  different trainee each time, each with one earlier exam): the draw reads how many trainees
  were served each question of the pool, which must not grow with the module's history.

Each page is requested once cold (for the analysis and the queue, the view that computes what
is then kept: app/derived) and ``--repeat`` times warm; it prints the median warm time at both
sizes, the ratio large ÷ small (issue 19's goal: ≤ 1.5) and the cold times, and writes
``--output`` (JSON). Times are in-process wall times of one request on a shared machine:
compare the ratio, which both sizes share the conditions of, not the milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL = 1.5
QUESTIONS_PER_EXAM = 50


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200, help="trainees of the small one")
    parser.add_argument("--large", type=int, default=4000, help="trainees of the large one")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    opts = parser.parse_args(argv)
    if min(opts.small, opts.large, opts.repeat) <= 0:
        parser.error("every count must be positive")
    if opts.small < opts.repeat + 3:
        parser.error("--small must be at least --repeat + 3 (a trainee per start, and one more)")
    if opts.large <= opts.small:
        parser.error("--large must be more trainees than --small")
    if opts.questions < QUESTIONS_PER_EXAM:
        parser.error(f"--questions must be at least {QUESTIONS_PER_EXAM}")
    if opts.database_url and not opts.database_url.startswith(("postgresql", "sqlite")):
        parser.error("--database-url: a postgresql+psycopg:// or sqlite:/// URL")
    return opts


def _invoke(app: Any, args: list[str]) -> str:
    result = app.test_cli_runner().invoke(args=args)
    if result.exit_code != 0:
        raise SystemExit(f"flask {' '.join(args[:3])} failed:\n{result.output[-3000:]}")
    return result.output


def build(app: Any, opts: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Migrate, the demo, both institutions, and what each page needs of them."""
    from flask_migrate import upgrade

    from bench.explain import _world

    with app.app_context():
        upgrade()
        _invoke(app, ["demo", "setup"])
        worlds = {}
        for name, trainees in (("small", opts.small), ("large", opts.large)):
            items = trainees * QUESTIONS_PER_EXAM
            seeded = [
                "bench",
                "seed",
                f"--trainees={trainees}",
                f"--questions={opts.questions}",
                f"--attempts={items}",
                "--seed=1",
                f"--prefix={name}",
            ]
            print(f"== seeding {name}: {_invoke(app, seeded).strip()}", file=sys.stderr)
            worlds[name] = _world(name) | {"trainees": trainees, "items": items}
            worlds[name]["cohort_id"] = _cohort_id(name)
        # Planner statistics, as PostgreSQL's autovacuum (or an operator's ANALYZE after a
        # load) would have them: without, it takes a 4,000-trainee cohort for a dozen rows.
        from app.extensions import db

        db.session.commit()
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return worlds


def _cohort_id(prefix: str) -> int:
    import sqlalchemy as sa

    from app.banks.models import Program
    from app.enrolment.models import Cohort
    from app.extensions import db

    program = db.session.scalar(sa.select(Program).where(Program.slug == f"{prefix}-program"))
    return db.session.scalar(sa.select(Cohort.id).where(Cohort.program_id == program.id))


def pages(app: Any, world: dict[str, Any], password: str, starts: int) -> dict[str, Any]:
    """What is timed, by name; ``starts``: how many times the start will be requested."""
    from app.benchseed.seed import BENCH_PASSWORD
    from bench.explain import Api, _login

    trainee = _login(app, world["trainee"], BENCH_PASSWORD)
    instructor = _login(app, world["staff"]["instructor"], password)
    admin = _login(app, world["staff"]["admin"], password)
    cohort, module = world["cohort_id"], world["module"]
    prefix = module.removesuffix("-exam")
    # A trainee per start (an open attempt would be resumed, not drawn), tokens made untimed.
    starters = iter([Api(app, f"{prefix}-trainee{n}@bench.example") for n in range(1, starts + 1)])
    return {
        "dashboard": lambda: trainee.get("/dashboard"),
        "item analysis": lambda: instructor.get(f"/studio/modules/{module}/analysis"),
        "review queue": lambda: admin.get(f"/admin/completions?cohort={cohort}"),
        "cohort view": lambda: instructor.get(f"/cohort?cohort={cohort}"),
        "start attempt": lambda: next(starters).post(f"/api/v1/modules/{module}/attempts"),
    }


def _time(request: Any) -> float:
    t0 = time.perf_counter()
    response = request()
    took = time.perf_counter() - t0
    if response.status_code not in (200, 201):
        raise SystemExit(f"HTTP {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return took


def measure(app: Any, worlds: dict[str, dict[str, Any]], repeat: int) -> dict[str, Any]:
    password = os.environ["DEMO_PASSWORD"]  # set by main() before the demo was made
    starts = repeat + 2  # the warm-up, the cold request, the warm ones
    clients = {size: pages(app, world, password, starts) for size, world in worlds.items()}
    # Warm-up (templates compiled, pools filled), then kept results dropped: "cold" measures
    # computing them, not the first request of the process.
    for size in clients:
        for request in clients[size].values():
            _time(request)
    with app.app_context():
        from app.extensions import db

        db.session.execute(db.text("DELETE FROM derived_results"))
        db.session.commit()
    out: dict[str, Any] = {}
    for page in clients["small"]:
        row: dict[str, Any] = {}
        cold = {size: _time(clients[size][page]) for size in ("small", "large")}
        warm: dict[str, list[float]] = {"small": [], "large": []}
        for _ in range(repeat):  # interleaved: both sizes share the machine's moments
            for size in warm:
                warm[size].append(_time(clients[size][page]))
        for size in warm:
            row[size] = {
                "cold_ms": cold[size] * 1000,
                "warm_ms": statistics.median(warm[size]) * 1000,
            }
        row["ratio"] = row["large"]["warm_ms"] / row["small"]["warm_ms"]
        row["cold_ratio"] = row["large"]["cold_ms"] / row["small"]["cold_ms"]
        row["met"] = row["ratio"] <= GOAL
        out[page] = row
        print(
            f"  {page:<15} small {row['small']['warm_ms']:8.1f} ms  large"
            f" {row['large']['warm_ms']:8.1f} ms  ratio {row['ratio']:.2f}"
            f" ({'met' if row['met'] else 'NOT met'}); cold {row['small']['cold_ms']:.0f} →"
            f" {row['large']['cold_ms']:.0f} ms",
            file=sys.stderr,
        )
    return out


def markdown(document: dict[str, Any]) -> str:
    meta = document["meta"]
    lines = [
        f"`{meta['command']}` on {meta['database']}, {meta['machine']}, {meta['date']}:"
        f" {meta['small']} and {meta['large']} trainees (one 50-question exam each).",
        "",
        "| page | small, warm ms | large, warm ms | ratio (goal ≤ 1.5) | cold small → large ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for page, row in document["pages"].items():
        lines.append(
            f"| {page} | {row['small']['warm_ms']:.1f} | {row['large']['warm_ms']:.1f} |"
            f" {row['ratio']:.2f} {'met' if row['met'] else '**not met**'} |"
            f" {row['small']['cold_ms']:.0f} → {row['large']['cold_ms']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    import platform

    tmp = Path(tempfile.mkdtemp(prefix="dna-scale-"))
    url = opts.database_url or f"sqlite:///{tmp / 'scale.db'}"
    if url.startswith("postgresql"):
        from bench.run import reset_postgres

        reset_postgres(url)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp),
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "bench-secret",
            "APP_ENV": "development",
        }
    )
    os.environ.setdefault("DEMO_PASSWORD", "Quartz-lantern-91-orbit")
    from app import create_app

    app = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
    worlds = build(app, opts)
    document = {
        "meta": {
            "command": " ".join(["bench/scale.py", *(argv if argv is not None else sys.argv[1:])]),
            "database": url.split(":", 1)[0].split("+", 1)[0],
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python"
            f" {platform.python_version()}",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "small": opts.small,
            "large": opts.large,
            "load_average": list(os.getloadavg()),
        },
        "pages": measure(app, worlds, opts.repeat),
    }
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(document, indent=2))
    print(markdown(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
