"""The hottest statements of the hot endpoints, with their PostgreSQL plans (issue 19).

On a database holding the demo (``flask demo setup``) and a synthetic institution
(``flask bench seed``), this requests each hot endpoint (save, attempt page, start attempt,
module list, dashboard, item analysis, review queue, verify, cohort view) ``--repeat`` times
in-process (Flask's test client), records every statement with its parameters and time (a
SQLAlchemy ``before/after_cursor_execute`` listener), ranks the distinct statements by total
time (count × mean) and prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the ``--top`` hottest, each
with the parameters of its slowest run, in a transaction that is rolled back.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/benchpg \\
    DEMO_PASSWORD=... PYTHONPATH=. .venv/bin/python bench/explain.py --repeat 3 --top 10

What it writes before measuring (kept, so a second run measures the same world): the
instructor teaches the seeded cohort, up to 30 passed seeded trainees have a pending
completion (the review queue), the first seeded trainee has an open exam attempt.
The saves change answers of that open attempt.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import create_app
from app.auth.models import User
from app.banks.models import Module, Program
from app.benchseed.seed import BENCH_PASSWORD
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.demo.cli import demo_password
from app.enrolment.models import Cohort
from app.extensions import db
from app.quiz.models import Attempt

COLUMNS_RE = re.compile(r"(?:\b\w+\.\w+(?: AS \w+)?, ){3,}\w+\.\w+(?: AS \w+)?")  # column lists
MANY_RE = re.compile(r"\((?:%\(\w+\)s(?:::\w+)?, ){3,}%\(\w+\)s(?:::\w+)?\)")  # IN (…)
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
STAFF = {
    "instructor": "instructor@demo.example",
    "admin": "admin@demo.example",
    "graduate": "graduate@demo.example",
}


@dataclass
class Stat:
    count: int = 0
    seconds: float = 0.0
    slowest: float = -1.0
    parameters: Any = None
    endpoints: set[str] = field(default_factory=set)


@dataclass
class Recorder:
    endpoint: str = ""
    stats: dict[str, Stat] = field(default_factory=lambda: defaultdict(Stat))
    per_endpoint: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0.0])
    )

    def before(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(self, conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        took = time.perf_counter() - conn.info["bench_started"].pop()
        if not self.endpoint:
            return
        stat = self.stats[statement]
        stat.count += 1
        stat.seconds += took
        stat.endpoints.add(self.endpoint)
        self.per_endpoint[self.endpoint][0] += 1
        self.per_endpoint[self.endpoint][1] += took
        many = bool(rest and rest[-1])  # executemany: explain the first row
        if took > stat.slowest:
            stat.slowest = took
            stat.parameters = parameters[0] if many and parameters else parameters

    @contextmanager
    def on(self, endpoint: str) -> Iterator[None]:
        self.endpoint = endpoint
        try:
            yield
        finally:
            self.endpoint = ""

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Not counted: what a measured operation does to prepare (the saves' reading)."""
        endpoint, self.endpoint = self.endpoint, ""
        try:
            yield
        finally:
            self.endpoint = endpoint


def _world(prefix: str) -> dict[str, Any]:
    """The seeded module, cohort, trainee; the instructor teaching, completions to review."""
    session = db.session
    module = session.scalar(sa.select(Module).where(Module.slug == f"{prefix}-exam"))
    program = session.scalar(sa.select(Program).where(Program.slug == f"{prefix}-program"))
    if module is None or program is None:
        raise SystemExit(f"no institution {prefix!r}: run `flask bench seed ... --prefix {prefix}`")
    cohort = session.scalar(sa.select(Cohort).where(Cohort.program_id == program.id))
    staff = {k: session.scalar(sa.select(User).where(User.email == v)) for k, v in STAFF.items()}
    if None in staff.values():
        raise SystemExit("no demo accounts: run `flask demo setup` first")
    if staff["instructor"] not in cohort.instructors:
        cohort.instructors.append(staff["instructor"])
    passed = (
        sa.select(Attempt.user_id)
        .where(Attempt.module_id == module.id, Attempt.passed)
        .distinct()
        .order_by(Attempt.user_id)
        .limit(30)
    )
    for user_id in session.scalars(passed):  # pending completions (kept: returned if there)
        certificates.record_completion(session, session.get(User, user_id), program)
    certificate = session.scalar(sa.select(Certificate).order_by(Certificate.issued_at))
    session.commit()
    return {
        "module": module.slug,
        "trainee": f"{prefix}-trainee0@bench.example",
        "staff": STAFF,
        "certificate": {"id": str(certificate.id), "code": certificate.code},
    }


def _login(app: Any, email: str, password: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    form = {"email": email, "password": password, "csrf_token": CSRF_RE.search(page).group(1)}
    if client.post("/login", data=form).status_code != 302:
        raise SystemExit(f"{email} could not log in (DEMO_PASSWORD?)")
    found = CSRF_RE.search(client.get("/profile").get_data(as_text=True))
    client.csrf = found.group(1) if found else ""
    return client


class Api:
    """A cookie-less client with a bearer token."""

    def __init__(self, app: Any, email: str) -> None:
        self.client = app.test_client()
        body = {"email": email, "password": BENCH_PASSWORD}
        created = self.client.post("/api/v1/tokens", json=body).get_json()
        self.headers = {"Authorization": f"Bearer {created['token']}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str) -> Any:
        return self.client.post(url, headers=self.headers)

    def put(self, url: str, json: Any) -> Any:
        return self.client.put(url, json=json, headers=self.headers)


class Trainee:
    """The trainee's browser and API clients and their open attempt (answers kept changing)."""

    def __init__(self, app: Any, world: dict[str, Any], recorder: Recorder) -> None:
        self.recorder = recorder
        self.browser = _login(app, world["trainee"], BENCH_PASSWORD)
        self.api = Api(app, world["trainee"])
        self.module = world["module"]
        self.attempt = self.start()["id"]
        self.turn = 0

    def start(self) -> dict[str, Any]:
        response = self.api.post(f"/api/v1/modules/{self.module}/attempts")
        assert response.status_code in (200, 201), response.get_data(as_text=True)[:300]
        return response.get_json()

    def next_change(self) -> tuple[dict[str, Any], str]:
        """An item of the open attempt and an option other than its answer."""
        with self.recorder.paused():
            body = self.api.get(f"/api/v1/attempts/{self.attempt}").get_json()
        item = body["items"][self.turn % len(body["items"])]
        self.turn += 1
        chosen = (item.get("response") or {}).get("choice")
        options = [o["id"] for o in item["options"] if o["id"] != chosen]
        return item, options[self.turn % len(options)]

    def save_api(self) -> int:
        item, option = self.next_change()
        url = f"/api/v1/attempts/{self.attempt}/items/{item['id']}"
        body = {"response": {"choice": option}, "seq": item["seq"]}
        return self.api.put(url, json=body).status_code

    def save_form(self, autosave: bool) -> int:
        item, option = self.next_change()
        url = f"/attempts/{self.attempt}/items/{item['position']}"
        form = {"seq": item["seq"], "choice": option, "action": "save"}
        if autosave:
            headers = {"X-CSRFToken": self.browser.csrf}
            return self.browser.post(url + "/autosave", data=form, headers=headers).status_code
        return self.browser.post(url, data=form | {"csrf_token": self.browser.csrf}).status_code


def endpoints(
    app: Any, world: dict[str, Any], password: str, recorder: Recorder
) -> dict[str, Callable[[], int]]:
    trainee = Trainee(app, world, recorder)
    staff = {role: _login(app, email, password) for role, email in world["staff"].items()}
    anon = app.test_client()
    code, module, attempt = world["certificate"]["code"], world["module"], trainee.attempt
    return {
        "save (API)": trainee.save_api,
        "save (fetch)": lambda: trainee.save_form(autosave=True),
        "save (HTML form)": lambda: trainee.save_form(autosave=False),
        "attempt page (HTML)": lambda: trainee.browser.get(
            f"/attempts/{attempt}/items/7"
        ).status_code,
        "attempt page (API)": lambda: trainee.api.get(f"/api/v1/attempts/{attempt}").status_code,
        "start attempt (resume)": lambda: 200 if trainee.start() else 500,
        "module list (HTML)": lambda: trainee.browser.get("/modules").status_code,
        "module list (API)": lambda: trainee.api.get("/api/v1/modules").status_code,
        "dashboard": lambda: trainee.browser.get("/dashboard").status_code,
        "item analysis": lambda: staff["instructor"]
        .get(f"/studio/modules/{module}/analysis")
        .status_code,
        "review queue": lambda: staff["admin"].get("/admin/completions").status_code,
        "verify page": lambda: anon.get(f"/verify/{code}").status_code,
        "verify JSON": lambda: anon.get(f"/api/v1/certificates/{code}").status_code,
        "cohort view": lambda: staff["instructor"].get("/cohort").status_code,
    }


def measure(
    engine: sa.Engine, recorder: Recorder, ops: dict[str, Callable[[], int]], repeat: int
) -> None:
    sa.event.listen(engine, "before_cursor_execute", recorder.before)
    sa.event.listen(engine, "after_cursor_execute", recorder.after)
    try:
        for name, op in ops.items():
            took = []
            for _ in range(repeat):
                with recorder.on(name):
                    t0 = time.perf_counter()
                    status = op()
                    took.append(time.perf_counter() - t0)
                if status >= 400:
                    raise SystemExit(f"{name}: HTTP {status}")
            count, seconds = recorder.per_endpoint[name]
            print(
                f"-- {name}: {', '.join(f'{t * 1000:.0f}' for t in took)} ms; SQL "
                f"{seconds / repeat * 1000:.1f} ms in {count / repeat:.0f} statements a request",
                file=sys.stderr,
            )
    finally:
        sa.event.remove(engine, "before_cursor_execute", recorder.before)
        sa.event.remove(engine, "after_cursor_execute", recorder.after)


def compact(statement: str) -> str:
    """One line, the ORM's column lists and long IN lists elided."""
    return MANY_RE.sub("(…)", COLUMNS_RE.sub("…", " ".join(statement.split())))


EXPLAINABLE = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")
# Tables that grow with the institution (tests/test_query_budgets.py's GROWING).
GROWING = {
    "users",
    "attempts",
    "attempt_items",
    "enrolments",
    "completions",
    "certificates",
    "questions",
    "question_versions",
    "audit_events",
}


def _plan(engine: sa.Engine, statement: str, parameters: Any, options: str) -> list[Any]:
    with engine.connect() as conn:
        transaction = conn.begin()  # EXPLAIN ANALYZE runs writes: rolled back
        try:
            sql = f"EXPLAIN ({options}) {statement}"
            return [row[0] for row in conn.exec_driver_sql(sql, parameters or {})]
        finally:
            transaction.rollback()


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def reads(plan: dict[str, Any]) -> list[str]:
    """How each table is read: ``attempts: Index Scan (ix_…)``, ``users: Seq Scan``."""
    out = []
    for node in _nodes(plan["Plan"]):
        if "Relation Name" in node and node["Node Type"] != "ModifyTable":
            bitmap = node["Node Type"] == "Bitmap Heap Scan"  # its indexes are its children's
            names = {
                n["Index Name"] for n in (_nodes(node) if bitmap else [node]) if "Index Name" in n
            }
            index = f" ({', '.join(sorted(names))})" if names else ""
            out.append(f"{node['Relation Name']}: {node['Node Type']}{index}")
    return sorted(set(out))


def wasteful_scans(plan: dict[str, Any]) -> list[str]:
    """Sequential scans of a growing table that throw away most of what they read."""
    out = []
    for node in _nodes(plan["Plan"]):
        loops = node.get("Actual Loops", 1)  # rows are per loop
        removed = node.get("Rows Removed by Filter", 0) * loops
        kept = node.get("Actual Rows", 0) * loops
        scan = node["Node Type"] == "Seq Scan" and node.get("Relation Name") in GROWING
        if scan and removed >= 1000 and removed > kept:
            out.append(f"{node['Relation Name']}: kept {kept}, removed {removed}")
    return out


def explain(engine: sa.Engine, recorder: Recorder, top: int, full: bool) -> None:
    ranked = sorted(recorder.stats.items(), key=lambda kv: kv[1].seconds, reverse=True)
    ranked = [kv for kv in ranked if kv[0].lstrip().upper().startswith(EXPLAINABLE)]
    for rank, (statement, stat) in enumerate(ranked[:top], start=1):
        print(f"\n## {rank}. {stat.seconds * 1000:.1f} ms in {stat.count} runs", end=" ")
        mean = stat.seconds / stat.count * 1000
        print(f"(mean {mean:.2f} ms): {', '.join(sorted(stat.endpoints))}")
        print(" ".join(statement.split()) if full else compact(statement))
        shown = repr(stat.parameters)
        print(f"-- parameters of the slowest run: {shown if full else shown[:300]}")
        print("\n".join(_plan(engine, statement, stat.parameters, "ANALYZE, BUFFERS")))
        plan = _plan(engine, statement, stat.parameters, "FORMAT JSON")[0][0]
        print("-- reads: " + "; ".join(reads(plan)))


def check_scans(engine: sa.Engine, recorder: Recorder) -> int:
    """Every distinct statement's plan (run): the wasteful sequential scans of growing tables."""
    found = 0
    print("\n## Sequential scans of growing tables that discard most rows (all statements)")
    for statement, stat in recorder.stats.items():
        if not statement.lstrip().upper().startswith(EXPLAINABLE):
            continue
        plan = _plan(engine, statement, stat.parameters, "ANALYZE, FORMAT JSON")[0][0]
        for scan in wasteful_scans(plan):
            found += 1
            print(f"- {scan} ({', '.join(sorted(stat.endpoints))}): {compact(statement)[:300]}")
    print(f"{found} found in {len(recorder.stats)} distinct statements.")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", default="bench", help="the seeded institution's prefix")
    parser.add_argument("--repeat", type=int, default=3, help="requests per endpoint")
    parser.add_argument("--top", type=int, default=10, help="statements to explain")
    parser.add_argument("--full", action="store_true", help="statements and parameters whole")
    parser.add_argument("--only", action="append", help="measure only these endpoints")
    opts = parser.parse_args()
    os.environ.setdefault("RATELIMIT_ENABLED", "0")  # the logins of the clients
    app = create_app()
    with app.app_context():  # popped before the requests: each request has its own (and g)
        engine = db.engine
        if engine.dialect.name != "postgresql":
            raise SystemExit("bench/explain.py reads PostgreSQL plans: set DATABASE_URL")
        world = _world(opts.prefix)
        password = demo_password(Path(app.config["INSTANCE_PATH"]))
    recorder = Recorder()
    ops = endpoints(app, world, password, recorder)
    ops = {k: v for k, v in ops.items() if not opts.only or k in opts.only}
    measure(engine, recorder, ops, opts.repeat)
    explain(engine, recorder, opts.top, opts.full)
    check_scans(engine, recorder)


if __name__ == "__main__":
    main()
