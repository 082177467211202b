"""Measure the app against its own baselines in one run (PERFORMANCE.md §3.3).

    .venv/bin/python bench/run.py [--seconds 8] [--threads 8] [--workers 3] [--runs 3]

Starts gunicorn with BENCH_MODE=1 on a temporary SQLite database (or BENCH_DATABASE_URL),
loads question_banks/, creates trainees with tokens and open attempts, then drives each
endpoint from a thread pool on loopback and reports requests/s and p95 as ratios against
``/_bench/bare``, ``/_bench/db-read`` and ``/_bench/db-write`` measured in the same run.
Results go to bench/results/latest.json and are printed as a table. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def p95(self) -> float:
        if not self.latencies:
            return float("nan")
        return (
            statistics.quantiles(self.latencies, n=20)[-1]
            if len(self.latencies) > 1
            else (self.latencies[0])
        )


Request = Callable[[http.client.HTTPConnection, int], int]


def drive(port: int, request: Request, threads: int, seconds: float) -> tuple[float, Sample]:
    """Run ``request`` from ``threads`` keep-alive connections for ``seconds``: (req/s, sample)."""
    sample = Sample()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        errors = 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                status = request(conn, index)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 599
            local.append(time.perf_counter() - t0)
            if status >= 400:
                errors += 1
        conn.close()
        with lock:
            sample.latencies.extend(local)
            sample.errors += errors

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    return len(sample.latencies) / elapsed, sample


def call(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: dict | None = None,
    token: str | None = None,
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def setup_data(env: dict[str, str], trainees: int) -> dict:
    """Users, tokens and an open exam attempt per trainee, made in a child process."""
    script = r"""
import json, sys
from app import create_app
from app.extensions import db
from app.auth.models import Role
from app.auth import services as auth
from app.banks.services import import_directory
from app.quiz.queries import get_module
from app.quiz.services import start_attempt
app = create_app()
with app.app_context():
    import_directory(db.session, "question_banks")
    module = get_module(db.session, "safety-practice")
    out = []
    for i in range(int(sys.argv[1])):
        user = auth.register_user(db.session, None, email=f"bench{i}@example.org",
                                  name=f"Bench {i}", password="quiet harbour lantern 4711",
                                  profession="Physiotherapist", licence_number=f"B{i}",
                                  jurisdiction="Ontario")
        token = auth.create_token(db.session, user, "bench")
        attempt = start_attempt(db.session, user, module)
        out.append({"token": token.secret, "attempt": attempt.id,
                    "items": [it.id for it in attempt.items], "email": user.email})
    db.session.commit()
    print(json.dumps(out))
"""
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-c", script, str(trainees)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"setting up the bench data failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def argon2_verify_seconds() -> float:
    from argon2 import PasswordHasher

    from app.auth.passwords import hash_password

    hashed = hash_password("quiet harbour lantern 4711")
    ph = PasswordHasher()
    t0 = time.perf_counter()
    for _ in range(10):
        ph.verify(hashed, "quiet harbour lantern 4711")
    return (time.perf_counter() - t0) / 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.seconds <= 0 or args.threads < 1 or args.workers < 1 or args.runs < 1:
        parser.error("--seconds, --threads, --workers and --runs must be positive")

    tmp = Path(tempfile.mkdtemp(prefix="dna-bench-"))
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp / 'bench.db'}"),
            "INSTANCE_PATH": str(tmp),
            "BENCH_MODE": "1",
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "bench-secret",
            "APP_ENV": "development",
        }
    )
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    users = setup_data(env, args.threads)
    port = free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        seqs = [dict.fromkeys(u["items"], 0) for u in users]

        def save(conn: http.client.HTTPConnection, i: int) -> int:
            user = users[i]
            item = random.choice(user["items"])
            status, body = call(
                conn,
                "PUT",
                f"/api/v1/attempts/{user['attempt']}/items/{item}",
                {"response": None, "seq": seqs[i][item]},
                user["token"],
            )
            if status == 200:
                seqs[i][item] = json.loads(body)["seq"]
            return status

        scenarios: dict[str, Request] = {
            "bare": lambda c, i: call(c, "GET", "/_bench/bare")[0],
            "db-read": lambda c, i: call(c, "GET", "/_bench/db-read")[0],
            "db-write": lambda c, i: call(c, "POST", "/_bench/db-write", {})[0],
            "save answer": save,
            "attempt GET": lambda c, i: call(
                c, "GET", f"/api/v1/attempts/{users[i]['attempt']}", token=users[i]["token"]
            )[0],
            "login (token)": lambda c, i: call(
                c,
                "POST",
                "/api/v1/tokens",
                {"email": users[i]["email"], "password": "quiet harbour lantern 4711"},
            )[0],
        }
        results: dict[str, dict] = {}
        for request in scenarios.values():  # warm every worker up (imports, pools, caches)
            drive(port, request, args.threads, 2.0)
        for name, request in scenarios.items():
            runs = [drive(port, request, args.threads, args.seconds) for _ in range(args.runs)]
            rps = statistics.median(r for r, _ in runs)
            p95 = statistics.median(s.p95 for _, s in runs)
            errors = sum(s.errors for _, s in runs)
            results[name] = {"rps": rps, "p95_ms": p95 * 1000, "errors": errors}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    verify = argon2_verify_seconds()
    cores = os.cpu_count() or 1
    goals = [
        ("save answer", "db-write", 0.5),
        ("attempt GET", "db-read", 0.4),
    ]
    report = {"results": results, "argon2_verify_s": verify, "cores": cores, "ratios": {}}
    print(f"{'endpoint':<16}{'req/s':>10}{'p95 ms':>10}{'errors':>8}")
    for name, r in results.items():
        print(f"{name:<16}{r['rps']:>10.1f}{r['p95_ms']:>10.1f}{r['errors']:>8}")
    print()
    for name, base, goal in goals:
        ratio = results[name]["rps"] / results[base]["rps"]
        report["ratios"][f"{name} / {base}"] = {"ratio": ratio, "goal": goal, "met": ratio >= goal}
        print(f"{name} / {base}: {ratio:.2f} (goal >= {goal})")
    p95_ratio = results["save answer"]["p95_ms"] / results["db-write"]["p95_ms"]
    report["ratios"]["save p95 / db-write p95"] = {
        "ratio": p95_ratio,
        "goal": 3.0,
        "met": p95_ratio <= 3.0,
    }
    print(f"save p95 / db-write p95: {p95_ratio:.2f} (goal <= 3)")
    login_goal = 0.8 * cores / verify
    report["ratios"]["login req/s vs 0.8*cores/argon2"] = {
        "ratio": results["login (token)"]["rps"] / login_goal,
        "goal": 1.0,
        "met": results["login (token)"]["rps"] >= login_goal,
    }
    print(
        f"login: {results['login (token)']['rps']:.1f} req/s; goal {login_goal:.1f} "
        f"(0.8 x {cores} cores / {verify * 1000:.1f} ms argon2 verify)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
