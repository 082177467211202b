"""Ratios to the same-run baselines, goals, bench/results/latest.json and docs/benchmarks.md."""

from __future__ import annotations

import math
import os
import platform
import time
from pathlib import Path
from typing import Any

from bench.scenarios import ratio

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"

# (ratio key, what it is, goal, "ge" or "le", databases it applies to)
# Issue 19's goals, per database: "same-run ratios; PostgreSQL unless noted". Only the save
# names a SQLite goal; the other ratios are shown on SQLite for information (no goal).
GOALS = [
    (
        "save_answer_per_db_write",
        "save (API) req/s ÷ db-write",
        {"postgresql": 0.6, "sqlite": 0.5},
        "ge",
    ),
    ("save_p95_per_db_write_p95", "save p95 ÷ db-write p95", {"postgresql": 2.0}, "le"),
    ("attempt_page_per_db_read", "attempt page (API) ÷ db-read", {"postgresql": 0.5}, "ge"),
    ("verify_page_per_db_read", "verify page ÷ db-read", {"postgresql": 0.6}, "ge"),
    ("cached_pdf_per_db_read", "cached PDF ÷ db-read", {"postgresql": 0.8}, "ge"),
    ("submit_per_db_write", "submit (50 questions) ÷ db-write", {"postgresql": 0.25}, "ge"),
    (
        "login_per_argon2_bound",
        "token login ÷ (cores ÷ argon2 verify)",
        {"postgresql": 0.9},
        "ge",
    ),
]


def argon2_verify_seconds() -> float:
    from argon2 import PasswordHasher

    from app.auth.passwords import hash_password

    hashed = hash_password("quiet harbour lantern 4711")
    hasher = PasswordHasher()
    t0 = time.perf_counter()
    for _ in range(10):
        hasher.verify(hashed, "quiet harbour lantern 4711")
    return (time.perf_counter() - t0) / 10


def ratios(results: dict[str, dict[str, Any]], argon2_s: float) -> dict[str, float]:
    """Each goal's ratio: the paired runs' median (``scenarios.measure_endpoint``) where the
    endpoint was measured against its baseline, else the ratio of the medians."""
    cores = os.cpu_count() or 1
    read, write = results["db-read"], results["db-write"]

    def rate(name: str, baseline: dict[str, Any], key: str = "rps") -> float:
        paired = results[name].get("paired")
        if paired is not None:
            return float(paired["rps_ratio" if key == "rps" else "p95_ratio"])
        return ratio(results[name][key], baseline[key])

    argon2 = {"rps": cores / argon2_s}
    return {
        "save_answer_per_db_write": rate("save (API)", write),
        "save_p95_per_db_write_p95": rate("save (API)", write, "p95_ms"),
        "save_fetch_per_db_write": rate("save (fetch)", write),
        "save_form_per_db_write": rate("save (HTML form)", write),
        "attempt_page_per_db_read": rate("attempt page (API)", read),
        "attempt_page_html_per_db_read": rate("attempt page (HTML)", read),
        "verify_page_per_db_read": rate("verify page", read),
        "verify_json_per_db_read": rate("verify JSON", read),
        "cached_pdf_per_db_read": rate("certificate PDF (cached)", read),
        "submit_per_db_write": rate("submit (50 questions)", write),
        "login_per_argon2_bound": rate("login (token)", argon2),
        "argon2_verify_s": argon2_s,
    }


def met(value: float, goal: float, how: str) -> bool:
    return math.isfinite(value) and (value >= goal if how == "ge" else value <= goal)


def meta(opts: Any, argv: list[str], started: float) -> dict[str, Any]:
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "command": " ".join(["bench/run.py", *argv[1:]]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}",
        "load_average_at_end": [round(x, 2) for x in load],
        "workers": f"{opts.workers} × {opts.worker_class}",
        "threads": opts.threads,
        "seconds": opts.seconds,
        "runs": opts.runs,
    }


def _num(value: float, digits: int = 2) -> str:
    return "–" if not math.isfinite(value) else f"{value:.{digits}f}"


def _endpoint_table(document: dict[str, Any], dbs: list[str]) -> list[str]:
    lines = [
        "| endpoint | " + " | ".join(f"{d} req/s | p50 / p95 / p99 ms | errors" for d in dbs) + " |"
    ]
    lines.append("| --- |" + " --- | --- | --- |" * len(dbs))
    names = list(document[dbs[0]]["endpoints"])
    for name in names:
        cells = []
        for db in dbs:
            r = document[db]["endpoints"][name]
            cells.append(
                f"{_num(r['rps'], 1)} | {_num(r['p50_ms'], 0)} / {_num(r['p95_ms'], 0)} / "
                f"{_num(r['p99_ms'], 0)} | {r['errors']}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _goal_table(document: dict[str, Any], dbs: list[str]) -> list[str]:
    lines = ["| ratio | " + " | ".join(dbs) + " | goal |", "| --- |" + " --- |" * (len(dbs) + 1)]
    for key, label, goal, how in GOALS:
        cells = []
        for db in dbs:
            value = document[db]["ratios"][key]
            if db not in goal:
                verdict = "(no goal)"
            else:
                verdict = "met" if met(value, goal[db], how) else "**not met**"
            cells.append(f"{_num(value)} {verdict}")
        shown = " / ".join(f"{k} {v}" for k, v in goal.items())
        lines.append(
            f"| {label} | " + " | ".join(cells) + f" | {'≥' if how == 'ge' else '≤'} {shown} |"
        )
    return lines


def _scenario_tables(document: dict[str, Any], dbs: list[str]) -> list[str]:
    lines = ["| spike | " + " | ".join(dbs) + " |", "| --- |" + " --- |" * len(dbs)]
    for key in ("trainees", "start_p50_s", "start_p95_s", "start_p99_s", "save_p95_s", "errors"):
        cells = [
            str(document[db]["spike"][key])
            if key in ("trainees", "errors")
            else _num(document[db]["spike"][key])
            for db in dbs
        ]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    goal = " | ".join(
        "met"
        if document[db]["spike"]["start_p95_s"] < 2 and not document[db]["spike"]["errors"]
        else "**not met**"
        for db in dbs
    )
    lines.append(f"| goal: start p95 < 2 s, no errors | {goal} |")
    failed = [
        ", ".join(f"{k}: {n}" for k, n in document[db]["spike"].get("error_statuses", {}).items())
        or "none"
        for db in dbs
    ]
    lines.append(f"| what failed (599: no answer in 60 s) | {' | '.join(failed)} |")
    lines += ["", "| steady | " + " | ".join(dbs) + " |", "| --- |" + " --- |" * len(dbs)]
    for key in (
        "trainees",
        "every_s",
        "seconds",
        "requests",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "errors",
    ):
        cells = [_num(float(document[db]["steady"][key]), 1) for db in dbs]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def markdown(document: dict[str, Any]) -> str:
    dbs = [k for k in ("sqlite", "postgresql") if k in document]
    m = document["meta"]
    lines = [
        f"Measured {m['date']} with `{m['command']}` on {m['machine']}; gunicorn {m['workers']}, "
        f"{m['threads']} client threads, {m['seconds']} s × {m['runs']} runs (medians); load "
        f"average at the end {m['load_average_at_end']}. Each ratio is the median of paired "
        "runs: every run of the endpoint follows a run of its baseline (the argon2 bound: "
        "timed just before).",
        "",
    ]
    if not dbs:
        return "\n".join([*lines, "No database was measured."])
    lines += _goal_table(document, dbs) + [""] + _endpoint_table(document, dbs) + [""]
    lines += _scenario_tables(document, dbs)
    return "\n".join(lines)


def refresh_docs(path: Path, text: str) -> None:
    """Replace the text between the results markers of docs/benchmarks.md."""
    doc = path.read_text(encoding="utf-8")
    if START not in doc or END not in doc:
        doc += f"\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
