"""What the one-statement save bought: the same saves, in one process and one run, through the
full path and through the known-item path (issue 19; docs/benchmarks.md, "Hot paths").

    .venv/bin/python bench/save_path.py [--database-url URL] [--saves 400] [--runs 3]

It prepares a database as ``bench/run.py`` does (migrations, ``flask bench seed --small``),
starts one exam attempt for a seeded trainee with an API token, then saves answers to that
attempt's single-choice items through ``PUT /api/v1/attempts/<id>/items/<id>`` with the
application's test client (no HTTP server: what is compared is the application's own work per
save). Each run saves ``--saves`` answers once with the per-worker item cache switched off (every
save reads the attempt and the item, as before) and once with it on (after one save per item to
fill it), alternating which goes first. It prints the median saves per second of each, the
ratio, and the statements per save. SQLite in a temporary folder unless ``--database-url``
names a PostgreSQL database (its schema is emptied first).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
PREFIX = "savebench"


def prepare_database(url: str) -> dict[str, str]:
    tmp = Path(tempfile.mkdtemp(prefix="dna-save-bench-"))
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url or f"sqlite:///{tmp / 'bench.db'}",
            "INSTANCE_PATH": str(tmp),
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "bench-secret",
            "APP_ENV": "development",
            "PYTHONPATH": str(ROOT),
        }
    )
    if url:
        from bench.run import reset_postgres

        reset_postgres(url)
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    for args in (["db", "upgrade"], ["bench", "seed", "--small", f"--prefix={PREFIX}"]):
        done = subprocess.run([*flask, *args], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    os.environ.update(env)
    return env


def open_attempt(app: Any) -> tuple[str, int, list[tuple[int, list[str]]]]:
    """A token, an open exam attempt and its items with their option ids."""
    import sqlalchemy as sa

    from app.auth.models import ApiToken, User
    from app.auth.services import hash_token
    from app.banks.models import Module
    from app.extensions import db
    from app.quiz.services import start_attempt

    with app.app_context():
        session = db.session
        user = session.scalar(
            sa.select(User).where(User.email.like(f"{PREFIX}-trainee%")).order_by(User.id)
        )
        secret = secrets.token_urlsafe(32)
        session.add(ApiToken(user_id=user.id, name="bench", token_hash=hash_token(secret)))
        module = session.scalar(sa.select(Module).where(Module.slug == f"{PREFIX}-exam"))
        attempt_id = start_attempt(session, user, module).id
        session.commit()
    client = app.test_client()
    body = client.get(
        f"/api/v1/attempts/{attempt_id}", headers={"Authorization": f"Bearer {secret}"}
    ).json
    items = [
        (i["id"], [o["id"] for o in i["options"]])
        for i in body["items"]
        if i["type"] == "single_choice" and len(i.get("options") or []) >= 2
    ]
    if not items:
        raise SystemExit("the seeded exam has no single-choice items")
    return secret, attempt_id, items


@contextmanager
def counting(app: Any) -> Iterator[list[str]]:
    import sqlalchemy as sa

    from app.extensions import db

    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def save_many(
    client: Any, headers: dict[str, str], attempt_id: int, items: list, seqs: dict, n: int
) -> None:
    for k in range(n):
        item_id, options = items[k % len(items)]
        seq = seqs[item_id]
        body = {"response": {"choice": options[seq % 2]}, "seq": seq}
        answer = client.put(f"/api/v1/attempts/{attempt_id}/items/{item_id}", json=body,
                            headers=headers)  # fmt: skip
        if answer.status_code != 200:
            raise SystemExit(f"save refused: {answer.status_code} {answer.get_data(as_text=True)}")
        seqs[item_id] = answer.json["seq"]


def measure(app: Any, saves: int, runs: int) -> dict[str, Any]:
    from app.quiz import shapes

    secret, attempt_id, items = open_attempt(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    seqs = {item_id: 0 for item_id, _ in items}
    real_get: Callable[[int], Any] = shapes.get
    rates: dict[str, list[float]] = {"full": [], "known": []}
    per_save: dict[str, float] = {}
    save_many(client, headers, attempt_id, items, seqs, len(items) * 2)  # warm up both paths
    for run in range(runs):
        order = ("full", "known") if run % 2 == 0 else ("known", "full")
        for path in order:
            shapes.forget_all()
            shapes.get = real_get if path == "known" else (lambda _item_id: None)  # type: ignore[assignment]
            if path == "known":
                save_many(client, headers, attempt_id, items, seqs, len(items))  # fill
            with counting(app) as statements:
                started = time.perf_counter()
                save_many(client, headers, attempt_id, items, seqs, saves)
                elapsed = time.perf_counter() - started
            shapes.get = real_get  # type: ignore[assignment]
            rates[path].append(saves / elapsed)
            per_save[path] = len(statements) / saves
    full, known = statistics.median(rates["full"]), statistics.median(rates["known"])
    return {
        "saves_per_second": {"full": round(full, 1), "known": round(known, 1)},
        "ratio_known_to_full": round(known / full, 2),
        "statements_per_save": {k: round(v, 2) for k, v in per_save.items()},
        "runs": runs,
        "saves": saves,
        "items": len(items),
    }


def comparison_main(
    doc: str | None,
    measure: Callable[[Any, int, int], dict[str, Any]],
    count: str,
    default: int,
    argv: list[str] | None = None,
) -> None:
    """The command line of a one-process comparison (this script, bench/attempt_page.py,
    bench/page_saves.py, bench/version_cache.py): ``--database-url``, ``--<count>`` and
    ``--runs``; prepares the database, measures and prints the result."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--database-url", default="", help="a PostgreSQL database (emptied)")
    parser.add_argument(f"--{count}", type=int, default=default)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args(argv)
    if getattr(opts, count) < 1 or opts.runs < 1:
        parser.error(f"--{count} and --runs must be at least 1")
    prepare_database(opts.database_url)
    from app import create_app

    result = measure(create_app(), getattr(opts, count), opts.runs)
    print(f"{'postgresql' if opts.database_url else 'sqlite'}: {result}")


def main(argv: list[str] | None = None) -> None:
    comparison_main(__doc__, measure, "saves", 400, argv)


if __name__ == "__main__":
    main()
