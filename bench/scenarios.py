"""The endpoints the benchmark drives (issue 19) and the spike and steady scenarios.

Each endpoint is an operation on a per-thread ``State`` (the thread's trainee, with a token
client and a logged-in browser client, plus staff clients) returning a status, or None when
it has nothing left to do (the submit's open exams are used up: that thread's run ends). An
operation with a ``prepare()`` method has it called before each run, untimed (the submit's
open exams, ``SubmitPool``).
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.client import Client

Op = Callable[["State"], "int | None"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, float]:
        lat = self.latencies
        return {
            "rps": len(lat) / self.seconds if self.seconds else float("nan"),
            "p50_ms": percentile(lat, 0.50) * 1000,
            "p95_ms": percentile(lat, 0.95) * 1000,
            "p99_ms": percentile(lat, 0.99) * 1000,
            "requests": len(lat),
            "errors": self.errors,
        }


class State:
    """What one client thread works with (clients made on first use)."""

    def __init__(self, port: int, world: dict[str, Any], index: int) -> None:
        self.port, self.world, self.index = port, world, index
        self.me = world["loop"][index % len(world["loop"])]
        self._clients: dict[str, Client] = {}
        self.rng = random.Random(index)
        self.seqs: dict[int, int] = {}
        self.options: dict[int, list[str]] = {}
        self.answers: dict[int, str | None] = {}

    def client(self, role: str) -> Client:
        if role not in self._clients:
            if role == "api":
                made = Client(self.port, token=self.me["token"])
            else:
                made = Client(self.port)
                emails = {"trainee": self.me["email"], **self.world["staff"]}
                if role in emails:
                    password = self.world["passwords"].get(role, self.world["passwords"]["bench"])
                    if made.login(emails[role], password) not in (200, 302):
                        raise RuntimeError(f"{role} could not log in")
            self._clients[role] = made
        return self._clients[role]

    def refresh(self) -> None:
        """The open attempt's items, their options and seqs, from the API."""
        body = self.client("api").get_json(f"/api/v1/attempts/{self.me['attempt']}")
        self.me["items"] = [{"id": i["id"], "position": i["position"]} for i in body["items"]]
        for item in body["items"]:
            self.seqs[item["id"]] = item["seq"]
            self.options[item["id"]] = [o["id"] for o in item.get("options", [])]
            self.answers[item["id"]] = (item.get("response") or {}).get("choice")

    def pick(self) -> tuple[dict[str, Any], str]:
        if not self.options:
            self.refresh()
        item = self.rng.choice(self.me["items"])
        # A changed answer every time: the HTML form treats an unchanged answer as nothing to
        # save (no seq bump), which would leave this client's seq one ahead of the server's.
        options = self.options[item["id"]]
        changed = [o for o in options if o != self.answers.get(item["id"])] or options
        option = self.rng.choice(changed)
        self.answers[item["id"]] = option
        return item, option


def drive(states: list[State], op: Op, seconds: float) -> Sample:
    """Run ``op`` from every state's thread for ``seconds`` (less if it runs out of work: the
    sample's seconds are those it ran)."""
    prepare = getattr(op, "prepare", None)
    if prepare is not None:
        prepare()
    sample = Sample()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(state: State) -> None:
        local: list[float] = []
        errors = 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                status = op(state)
            except (RuntimeError, KeyError, ValueError):
                status = 597
            if status is None:
                break
            local.append(time.perf_counter() - t0)
            errors += status >= 400
        with lock:
            sample.latencies.extend(local)
            sample.errors += errors

    pool = [threading.Thread(target=worker, args=(s,)) for s in states]
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    sample.seconds = time.monotonic() - started
    return sample


# ---------------------------------------------------------------- the endpoints


def save_api(s: State) -> int:
    item, option = s.pick()
    url = f"/api/v1/attempts/{s.me['attempt']}/items/{item['id']}"
    body = {"response": {"choice": option}, "seq": s.seqs[item["id"]]}
    status, data = s.client("api").request("PUT", url, json_body=body)
    if status == 200:
        s.seqs[item["id"]] += 1
    elif status == 409:
        s.refresh()
    return status


def save_fetch(s: State) -> int:
    item, option = s.pick()
    url = f"/attempts/{s.me['attempt']}/items/{item['position']}/autosave"
    form = {"seq": s.seqs[item["id"]], "choice": option, "action": "save"}
    status, _ = s.client("trainee").request("POST", url, form=form)
    if status == 200:
        s.seqs[item["id"]] += 1
    else:
        s.refresh()
    return status


def save_form(s: State) -> int:
    item, option = s.pick()
    browser = s.client("trainee")
    url = f"/attempts/{s.me['attempt']}/items/{item['position']}"
    form = {"seq": s.seqs[item["id"]], "choice": option, "action": "save"}
    status, _ = browser.request("POST", url, form={**form, "csrf_token": browser.csrf})
    if status == 302:
        s.seqs[item["id"]] += 1
        return 200
    s.refresh()
    return status


class SubmitPool:
    """submit (50 questions): each request submits an exam another trainee (a "submitter")
    opened and answered before the run (``bench/submit_pool.py``, untimed), so that the run
    times submits only. Was: submit the thread's attempt, then start the next one, untimed
    but on the same workers, whose starts then weighed on the submits' rate."""

    def __init__(self, world: dict[str, Any], refill: Callable[[], list[dict[str, Any]]]):
        self.tokens = {t["email"]: t["token"] for t in world["submitters"]}
        self.refill = refill
        self.open: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def prepare(self) -> None:
        opened = [(self.tokens[o["email"]], o["attempt"]) for o in self.refill()]
        with self.lock:
            self.open = opened[::-1]

    def __call__(self, s: State) -> int | None:
        with self.lock:
            if not self.open:
                return None
            token, attempt = self.open.pop()
        status, _ = s.client("submit").request(  # a keep-alive connection of the thread
            "POST",
            f"/api/v1/attempts/{attempt}/submit",
            headers={"Authorization": f"Bearer {token}"},
        )
        return status


def get(role: str, path: Callable[[State], str]) -> Op:
    return lambda s: s.client(role).request("GET", path(s))[0]


def endpoints(
    world: dict[str, Any], refill: Callable[[], list[dict[str, Any]]] | None = None
) -> dict[str, Op]:
    """The endpoints by name; the submit's only with ``refill`` (``SubmitPool``)."""
    cert = world["certificate"]
    module = world["module"]
    return {
        "bare": get("anon", lambda s: "/_bench/bare"),
        "db-read": get("anon", lambda s: "/_bench/db-read"),
        "db-write": lambda s: s.client("anon").request("POST", "/_bench/db-write", json_body={})[0],
        "login (token)": lambda s: s.client("anon").request(
            "POST",
            "/api/v1/tokens",
            json_body={"email": s.me["email"], "password": world["passwords"]["bench"]},
        )[0],
        "login (form)": lambda s: Client(s.port).login(s.me["email"], world["passwords"]["bench"]),
        "module list (HTML)": get("trainee", lambda s: "/modules"),
        "module list (API)": get("api", lambda s: "/api/v1/modules"),
        "start attempt (resume)": lambda s: s.client("api").request(
            "POST", f"/api/v1/modules/{module}/attempts"
        )[0],
        "attempt page (HTML)": get(
            "trainee", lambda s: f"/attempts/{s.me['attempt']}/items/{s.rng.randint(1, 50)}"
        ),
        "attempt page (API)": get("api", lambda s: f"/api/v1/attempts/{s.me['attempt']}"),
        "save (API)": save_api,
        "save (fetch)": save_fetch,
        "save (HTML form)": save_form,
        "dashboard": get("trainee", lambda s: "/dashboard"),
        "item analysis": get("instructor", lambda s: f"/studio/modules/{module}/analysis"),
        "review queue": get("admin", lambda s: "/admin/completions"),
        "verify page": get("anon", lambda s: f"/verify/{cert['code']}"),
        "verify JSON": get("anon", lambda s: f"/api/v1/certificates/{cert['code']}"),
        "certificate PDF (cached)": get(
            "graduate", lambda s: f"/certificates/{cert['id']}/certificate.pdf"
        ),
        "cohort view": get("instructor", lambda s: "/cohort"),
        "cohort CSV": get("instructor", lambda s: "/cohort.csv"),
        **({"submit (50 questions)": SubmitPool(world, refill)} if refill else {}),
    }


# What each goal's endpoint is compared with (report.GOALS). ``run.py`` alternates each of
# these endpoints with its baseline, run for run, and keeps the median of the per-run ratios:
# the two share the machine's moments, where baselines measured minutes earlier on a shared
# virtual machine moved by a factor of three between two runs of ``make bench``.
ARGON2 = "argon2 bound"  # cores ÷ the time of one argon2 verify, measured in this process
BASELINE_OF = {
    "save (API)": "db-write",
    "save (fetch)": "db-write",
    "save (HTML form)": "db-write",
    "submit (50 questions)": "db-write",
    "attempt page (API)": "db-read",
    "attempt page (HTML)": "db-read",
    "verify page": "db-read",
    "verify JSON": "db-read",
    "certificate PDF (cached)": "db-read",
    "login (token)": ARGON2,
}


def measure_endpoint(
    states: list[State],
    ops: dict[str, Op],
    name: str,
    seconds: float,
    runs: int,
    argon2_seconds: Callable[[], float],
) -> dict[str, Any]:
    """``name``'s medians over ``runs`` runs; for an endpoint with a baseline (BASELINE_OF),
    each run follows a run of the baseline, and ``paired`` keeps the median of the per-run
    ratios of the rates and of the p95s."""
    baseline = BASELINE_OF.get(name)
    own: list[Sample] = []
    rates: list[float] = []
    p95s: list[float] = []
    for _ in range(runs):
        if baseline == ARGON2:
            base = {"rps": (os.cpu_count() or 1) / argon2_seconds(), "p95_ms": float("nan")}
        elif baseline is not None:
            base = drive(states, ops[baseline], seconds).summary()
        sample = drive(states, ops[name], seconds)
        own.append(sample)
        if baseline is not None:
            mine = sample.summary()
            rates.append(ratio(mine["rps"], base["rps"]))
            p95s.append(ratio(mine["p95_ms"], base["p95_ms"]))
    out: dict[str, Any] = median_runs(own)
    if baseline is not None:
        out["paired"] = {
            "baseline": baseline,
            "rps_ratio": statistics.median(rates),
            "p95_ratio": statistics.median(p95s),
        }
    return out


def ratio(a: float, b: float) -> float:
    """a ÷ b, NaN when either is not a number or b is 0 (a rate not measured)."""
    return a / b if b and math.isfinite(a) and math.isfinite(b) else float("nan")


# ---------------------------------------------------------------- spike and steady


def _start_and_save(
    port: int, trainee: dict[str, Any], module: str
) -> tuple[float, float, int, str | None]:
    """(start seconds, save seconds, errors, what failed: "start 503", "save 599"...)."""
    api = Client(port, token=trainee["token"])
    t0 = time.perf_counter()
    status, data = api.request("POST", f"/api/v1/modules/{module}/attempts")
    start = time.perf_counter() - t0
    if status not in (200, 201):
        return start, float("nan"), 1, f"start {status}"
    body = json.loads(data)
    trainee["attempt"] = body["id"]
    item = body["items"][0]
    option = item["options"][0]["id"]
    url = f"/api/v1/attempts/{body['id']}/items/{item['id']}"
    t1 = time.perf_counter()
    saved, _ = api.request("PUT", url, json_body={"response": {"choice": option}, "seq": 0})
    trainee.update(item=item["id"], options=[o["id"] for o in item["options"]], seq=1)
    failed = None if saved == 200 else f"save {saved}"
    return start, time.perf_counter() - t1, int(saved != 200), failed


def spike(port: int, world: dict[str, Any], trainees: int) -> dict[str, Any]:
    """``trainees`` logged-in trainees (tokens) start the same timed exam at once, then save
    one answer each."""
    chosen = world["spike"][:trainees]
    barrier = threading.Barrier(len(chosen))
    results: list[tuple[float, float, int, str | None]] = []
    lock = threading.Lock()

    def one(trainee: dict[str, Any]) -> None:
        barrier.wait()
        outcome = _start_and_save(port, trainee, world["module"])
        with lock:
            results.append(outcome)

    pool = [threading.Thread(target=one, args=(t,)) for t in chosen]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    starts = [r[0] for r in results]
    saves = [r[1] for r in results if r[1] == r[1]]
    return {
        "trainees": len(chosen),
        "start_p50_s": percentile(starts, 0.5),
        "start_p95_s": percentile(starts, 0.95),
        "start_p99_s": percentile(starts, 0.99),
        "save_p50_s": percentile(saves, 0.5),
        "save_p95_s": percentile(saves, 0.95),
        "save_p99_s": percentile(saves, 0.99),
        "errors": sum(r[2] for r in results),
        # What failed, by request and status (599: no answer within the client's 60 s).
        "error_statuses": dict(sorted(Counter(r[3] for r in results if r[3]).items())),
    }


def steady(port: int, world: dict[str, Any], seconds: float, every: float) -> dict[str, Any]:
    """The spike's trainees keep answering: one save each every ``every`` seconds."""
    chosen = [t for t in world["spike"] if "item" in t]
    sample = Sample()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def one(trainee: dict[str, Any], offset: float) -> None:
        api = Client(port, token=trainee["token"])
        url = f"/api/v1/attempts/{trainee['attempt']}/items/{trainee['item']}"
        time.sleep(offset)
        while time.monotonic() < stop:
            choice = trainee["options"][trainee["seq"] % len(trainee["options"])]
            t0 = time.perf_counter()
            status, _ = api.request(
                "PUT", url, json_body={"response": {"choice": choice}, "seq": trainee["seq"]}
            )
            took = time.perf_counter() - t0
            trainee["seq"] += status == 200
            with lock:
                sample.latencies.append(took)
                sample.errors += status >= 400
            time.sleep(max(0.0, every - took))

    rng = random.Random(0)
    pool = [threading.Thread(target=one, args=(t, rng.uniform(0, every))) for t in chosen]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    sample.seconds = seconds
    summary = sample.summary()
    return {"trainees": len(chosen), "every_s": every, "seconds": seconds} | {
        k: summary[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "requests", "errors")
    }


def median_runs(samples: list[Sample]) -> dict[str, float]:
    summaries = [s.summary() for s in samples]
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms")
    out = {k: statistics.median(x[k] for x in summaries) for k in keys}
    out["errors"] = sum(x["errors"] for x in summaries)
    out["requests"] = sum(x["requests"] for x in summaries)
    return out
