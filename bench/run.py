"""Measure the app against its own baselines, in one run, on SQLite and PostgreSQL (issue 19).

    .venv/bin/python bench/run.py [--quick] [--seconds 4] [--runs 3] [--threads 6]
        [--workers 3] [--worker-class sync|gthread|gevent] [--spike 300] [--steady-seconds 60]
        [--databases sqlite,postgresql]

For each database (SQLite in a temporary folder; PostgreSQL from BENCH_DATABASE_URL, whose
schema is emptied first), it migrates, runs ``flask demo setup`` (accounts, banks, a
certificate) and ``flask bench seed`` (a synthetic institution: the item analysis module's
attempts), prepares tokens and open attempts (bench/world.py), starts gunicorn with
BENCH_MODE=1, warms every endpoint up, drives each endpoint from ``--threads`` keep-alive
clients for ``--seconds``, ``--runs`` times (medians), then the spike and the steady scenario
(bench/scenarios.py). It prints the tables, writes bench/results/latest.json and refreshes the
results section of docs/benchmarks.md (bench/report.py). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from bench.client import PASSWORD  # noqa: E402
from bench.scenarios import (  # noqa: E402
    State,
    drive,
    endpoints,
    measure_endpoint,
    median_runs,
    spike,
    steady,
)

VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PREFIX = "bench"
SCENARIOS = ("endpoints", "spike", "steady")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def reset_postgres(url: str) -> None:
    """Empty the PostgreSQL database ``url`` (its public schema, dropped and made again)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def prepare(env: dict[str, str], opts: argparse.Namespace) -> dict[str, Any]:
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    _run([*flask, "db", "upgrade"], env)
    _run([*flask, "demo", "setup"], env)
    trainees = opts.threads + opts.spike + 40 + submitters(opts)
    items = opts.analysis_attempts * 50
    seeded = [
        *flask,
        "bench",
        "seed",
        f"--trainees={trainees}",
        f"--questions={opts.questions}",
        f"--attempts={items}",
        "--seed=1",
        f"--prefix={PREFIX}",
    ]
    seed_out = _run(seeded, env).strip()
    world = json.loads(
        _run(
            [
                str(VENV_BIN / "python"),
                "bench/world.py",
                str(opts.threads),
                PREFIX,
                str(submitters(opts)),
            ],
            env,
        )
        .strip()
        .splitlines()[-1]
    )
    world["staff"] = {
        "instructor": "instructor@demo.example",
        "admin": "admin@demo.example",
        "graduate": "graduate@demo.example",
    }
    world["passwords"] = {"bench": PASSWORD, **dict.fromkeys(world["staff"], PASSWORD)}
    world["seed_output"] = seed_out
    return world


SUBMITS_PER_SECOND = 200
"""The submitters set apart (``bench/submit_pool.py``): enough open exams for a run of
``--seconds`` at this rate (more than the two cores manage); a run that uses them all ends
there, its rate still submits over its own seconds."""


def submitters(opts: argparse.Namespace) -> int:
    return max(2 * opts.threads, math.ceil(opts.seconds * SUBMITS_PER_SECOND))


def submit_pool(env: dict[str, str], opts: argparse.Namespace) -> Callable[[], list[dict]]:
    """A function that opens and answers an exam for every submitter that has none open,
    and returns them all as ``[{"email", "attempt"}]`` (``bench/submit_pool.py``)."""
    args = [str(VENV_BIN / "python"), "bench/submit_pool.py", PREFIX, str(submitters(opts))]
    return lambda: json.loads(_run(args, env).strip().splitlines()[-1])


def start_server(env: dict[str, str], opts: argparse.Namespace, port: int) -> subprocess.Popen:
    """The app as ``make serve`` serves it (gunicorn.conf.py: a preloaded app, workers recycled
    every 1,000 requests or so), with the benchmark's workers, bind and quiet logs. gunicorn read
    that file before it was named here, as it reads ./gunicorn.conf.py by default."""
    args = [
        str(VENV_BIN / "gunicorn"),
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(opts.workers),
        "--worker-class",
        opts.worker_class,
        "--log-level",
        "warning",
        "--access-logfile",
        "/dev/null",
        "--timeout",
        "120",
        "wsgi:app",
    ]
    if opts.worker_class == "gthread":
        args[-1:-1] = ["--threads", str(opts.gthreads)]
    if opts.worker_class == "gevent":  # it patches the standard library before the app loads
        args[-1:-1] = ["--worker-connections", "1000"]
        env = {**env, "GUNICORN_PRELOAD": "0"}
    server = subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def pdf_first_render(env: dict[str, str], states: list[State], world: dict, n: int) -> dict:
    """The certificate PDF rendered with its cache emptied before each request (one client)."""
    import sqlalchemy as sa

    from bench.scenarios import Sample

    engine = sa.create_engine(env["DATABASE_URL"])
    client = states[0].client("graduate")
    sample = Sample()
    t_all = time.perf_counter()
    for _ in range(n):
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM certificate_pdfs")
        t0 = time.perf_counter()
        status, _ = client.request(
            "GET", f"/certificates/{world['certificate']['id']}/certificate.pdf"
        )
        sample.latencies.append(time.perf_counter() - t0)
        sample.errors += status >= 400
    sample.seconds = time.perf_counter() - t_all
    engine.dispose()
    return median_runs([sample])


def measure(env: dict[str, str], opts: argparse.Namespace, world: dict) -> dict[str, Any]:
    port = free_port()
    server = start_server(env, opts, port)
    try:
        states = [State(port, world, i) for i in range(opts.threads)]
        results: dict[str, Any] = {}
        if "endpoints" in opts.scenarios:
            ops = endpoints(world, submit_pool(env, opts))
            for op in ops.values():  # warm-up: imports, pools, caches, logins
                drive(states, op, min(1.0, opts.seconds))
            for name in ops:
                results[name] = measure_endpoint(
                    states, ops, name, opts.seconds, opts.runs, report.argon2_verify_seconds
                )
                print(f"  {name:<26}{results[name]['rps']:>9.1f} req/s", flush=True)
            results["certificate PDF (first)"] = pdf_first_render(
                env, states, world, opts.pdf_renders
            )
        if "endpoints" not in opts.scenarios:
            # The workers boot while the master already accepts: a spike sent at once would
            # also time their imports. At nine o'clock the workers have long been up.
            drive(states, endpoints(world)["db-read"], 2.0)
        spiked = spike(port, world, opts.spike) if "spike" in opts.scenarios else {}
        steadied = (
            steady(port, world, opts.steady_seconds, opts.steady_every)
            if "steady" in opts.scenarios
            else {}
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    return {"endpoints": results, "spike": spiked, "steady": steadied}


def bench_env(name: str, url: str) -> dict[str, str]:
    """The environment of the app under test: SQLite in a new temporary folder, or ``url``
    (PostgreSQL), whose schema is emptied first."""
    tmp = Path(tempfile.mkdtemp(prefix=f"dna-bench-{name}-"))
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url or f"sqlite:///{tmp / 'bench.db'}",
            "INSTANCE_PATH": str(tmp),
            "BENCH_MODE": "1",
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "bench-secret",
            "APP_ENV": "development",
            "DEMO_PASSWORD": PASSWORD,
            "PYTHONPATH": str(ROOT),
        }
    )
    if name == "postgresql":
        reset_postgres(env["DATABASE_URL"])
    return env


def run_database(name: str, url: str, opts: argparse.Namespace) -> dict[str, Any]:
    env = bench_env(name, url)
    print(f"== {name}: preparing the data", flush=True)
    world = prepare(env, opts)
    print(f"   {world['seed_output']}", flush=True)
    measured = measure(env, opts, world)
    measured["ratios"] = (
        report.ratios(measured["endpoints"], report.argon2_verify_seconds())
        if measured["endpoints"]
        else {}
    )
    return measured


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same scenarios, briefly")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread", "gevent"],
        default="sync",
        help="gevent: gunicorn's gevent workers (pip install gevent; docs/benchmarks.md)",
    )
    parser.add_argument("--gthreads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--spike", type=int, default=300)
    parser.add_argument("--steady-seconds", type=float, default=60.0)
    parser.add_argument("--steady-every", type=float, default=20.0)
    parser.add_argument("--analysis-attempts", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--pdf-renders", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-docs", action="store_true", help="do not refresh docs/benchmarks.md")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="which to run, comma separated: endpoints, spike, steady (all by default; a run"
        " without all three writes --output only, never docs/benchmarks.md)",
    )
    opts = parser.parse_args(argv)
    chosen = [s.strip() for s in opts.scenarios.split(",") if s.strip()]
    if not chosen or set(chosen) - set(SCENARIOS):
        parser.error(f"--scenarios: choose among {', '.join(SCENARIOS)}")
    opts.scenarios = chosen
    if set(chosen) != set(SCENARIOS):
        opts.no_docs = True
    if opts.quick:  # a smoke check: every scenario, briefly (docs/benchmarks.md)
        opts.seconds, opts.runs, opts.steady_seconds = 0.5, 1, 5.0
        opts.analysis_attempts, opts.pdf_renders = 200, 1
        opts.spike = min(opts.spike, 100)
    numbers = (opts.seconds, opts.runs, opts.threads, opts.workers, opts.spike, opts.questions)
    if min(numbers) <= 0 or opts.steady_seconds <= 0 or opts.steady_every <= 0:
        parser.error("every count and duration must be positive")
    if opts.questions < 50:
        parser.error("--questions must be at least 50 (the exam has 50 questions)")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    started = time.time()
    out: dict[str, Any] = {}
    for name in [d.strip() for d in opts.databases.split(",") if d.strip()]:
        if name == "postgresql" and not os.environ.get("BENCH_DATABASE_URL"):
            print("== postgresql: BENCH_DATABASE_URL is not set, skipped", flush=True)
            continue
        url = os.environ.get("BENCH_DATABASE_URL", "") if name == "postgresql" else ""
        out[name] = run_database(name, url, opts)
    meta = report.meta(opts, sys.argv, started)
    document = {**out, "meta": meta}
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(document, indent=2, default=str))
    if set(opts.scenarios) != set(SCENARIOS):  # a partial run: its numbers, no tables
        for name in out:
            print(name, json.dumps({k: out[name][k] for k in ("spike", "steady")}, default=str))
        return 0
    text = report.markdown(document)
    print(text)
    if not opts.no_docs:
        report.refresh_docs(ROOT / "docs" / "benchmarks.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
