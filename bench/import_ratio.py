"""Importing questions against a plain bulk insert of the same rows, in one run (issue 19).

    .venv/bin/python bench/import_ratio.py [--questions 10000] [--runs 3]
        [--databases sqlite,postgresql] [--profile FILE]

Issue 19's goal: "Importing 10,000 questions runs at >= 0.3 x the rate of a plain bulk insert
of the same rows". For each database and each run:

1. a deterministic bank of ``--questions`` questions (half single choice with four options
   and feedback, half true/false; stems, explanations and references of realistic length,
   spread over ten topics and ten files) is written as native YAML to a temporary folder.
   **It is synthetic benchmark content**: every text says so, it is never shipped and it says
   nothing clinical;
2. the real import (``app.banks.services.import_directory``'s two steps, ``load_bank`` then
   ``import_bank``, with the operator's policy that
   ``flask --app wsgi banks import`` runs: read and validate the files, write the topics,
   questions, versions and the one audit event, then commit) runs into a fresh, migrated
   database, and is timed from the files to the commit;
3. the rows the import wrote (every table whose row count it changed, all columns, read back
   from that database) are inserted into a second fresh database with a plain bulk insert
   (one executemany per table, in one transaction; the questions' ``current_version_id``,
   a foreign key into the versions inserted after them, set by one executemany ``UPDATE``),
   timed from the first insert to the commit.

It prints both rates (questions per second), the import's split (reading and validating the
files / writing), and the ratio import rate ÷ bulk-insert rate, each the median of the runs.

SQLite: temporary files (the fresh databases are copies of one migrated file). PostgreSQL:
``--pg-url`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/benchimp``) is migrated
once and used as the template of the fresh databases (``<name>_import``, ``<name>_insert``),
which are dropped at the end. Not part of ``make test`` (about a minute per database).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/benchimp"
TOPICS = 10
MARK = "SYNTHETIC BENCHMARK CONTENT, not clinical, never shipped"
WORDS = [
    "region",
    "structure",
    "landmark",
    "depth",
    "layer",
    "tissue",
    "fibre",
    "band",
    "nodule",
    "response",
    "dosage",
    "screening",
    "consent",
    "record",
    "technique",
    "needle",
    "muscle",
    "fascia",
    "tendon",
    "angle",
    "palpation",
    "guideline",
    "session",
    "outcome",
    "protocol",
    "measure",
    "criterion",
    "sample",
    "cohort",
    "review",
    "source",
]


# ---------------------------------------------------------------- the synthetic bank


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[:1].upper() + text[1:] + "."


def _question(rng: random.Random, n: int, topic: str) -> dict[str, Any]:
    """Question ``n``: single choice (even) or true/false (odd), sizes like the real bank's."""
    base = {
        "key": f"synth-{n:06d}",
        "status": "published",
        "difficulty": ("easy", "medium", "hard")[n % 3],
        "use": "practice" if n % 5 == 0 else "exam",
        "cognitive_level": ("recall", "application", "analysis")[n % 3],
        "tags": [f"synthetic-{n % 7}"],
        "stem": f"[{MARK}] Item {n} of {topic}: {_sentence(rng, 18)}",
        "explanation": f"{MARK}. {_sentence(rng, 30)} {_sentence(rng, 25)}",
        "references": [f"Synthetic Source {n % 97}. 2020. {_sentence(rng, 8)} Bench J 1:{n}."],
    }
    if n % 2:
        feedback = {"feedback_true": _sentence(rng, 10), "feedback_false": _sentence(rng, 10)}
        return {**base, "type": "true_false", "answer": n % 4 == 1, **feedback}
    right = n % 4
    options = [
        {
            "id": "abcd"[i],
            "text": _sentence(rng, 12),
            "feedback": _sentence(rng, 12),
            **({"correct": True} if i == right else {}),
        }
        for i in range(4)
    ]
    return {**base, "type": "single_choice", "options": options}


def write_bank(folder: Path, questions: int, seed: int = 1) -> None:
    """The synthetic bank: a topics file and one file of questions per topic."""
    rng = random.Random(seed)
    topics = [f"synthetic-topic-{t}" for t in range(TOPICS)]
    header = f"# {MARK}: written by bench/import_ratio.py for one run, then deleted.\n"
    doc = {
        "topics": [{"id": t, "title": f"Synthetic topic {t}", "description": MARK} for t in topics]
    }
    (folder / "topics.yaml").write_text(header + yaml.safe_dump(doc, sort_keys=False), "utf-8")
    per_topic: dict[str, list[dict[str, Any]]] = {t: [] for t in topics}
    for n in range(questions):
        topic = topics[n % TOPICS]
        per_topic[topic].append(_question(rng, n, topic))
    for topic, items in per_topic.items():
        text = yaml.safe_dump({"topic": topic, "questions": items}, sort_keys=False, width=100)
        (folder / f"{topic}.yaml").write_text(header + text, "utf-8")


# ---------------------------------------------------------------- databases


class Databases:
    """Fresh migrated databases of one kind: copies (SQLite) or templates (PostgreSQL)."""

    def __init__(self, kind: str, work: Path, pg_url: str) -> None:
        self.kind = kind
        self.work = work
        self.pg = sa.engine.make_url(pg_url)
        self.made: list[str] = []
        if kind == "sqlite":
            self.template = f"sqlite:///{work / 'template.db'}"
        else:
            self.template = self.pg.render_as_string(hide_password=False)
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg.database}_import"')
        _migrate(self.template, work)
        if kind == "sqlite":
            _checkpoint(self.template)

    def _admin(self, statement: str) -> None:
        engine = sa.create_engine(self.pg.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
        engine.dispose()

    def fresh(self, name: str) -> str:
        """The URL of a fresh copy of the migrated template named ``name``."""
        if self.kind == "sqlite":
            target = self.work / f"{name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.work / "template.db", target)
            return f"sqlite:///{target}"
        database = f"{self.pg.database}_{name}"
        self._admin(f'DROP DATABASE IF EXISTS "{database}"')
        self._admin(f'CREATE DATABASE "{database}" TEMPLATE "{self.pg.database}"')
        self.made.append(database)
        return self.pg.set(database=database).render_as_string(hide_password=False)

    def drop(self) -> None:
        for database in dict.fromkeys(self.made):
            self._admin(f'DROP DATABASE IF EXISTS "{database}"')


def _migrate(url: str, work: Path) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(work)}
    )
    logging.disable(logging.INFO)  # Alembic's lines, one per migration
    try:
        with app.app_context():
            upgrade()
            db.engine.dispose()
    finally:
        logging.disable(logging.NOTSET)


def _checkpoint(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _counts(conn: sa.Connection, tables: list[sa.Table]) -> dict[str, int]:
    return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables}


# ---------------------------------------------------------------- the two timed writes


@contextmanager
def _profiled(path: str | None):
    if not path:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(path)


def timed_import(url: str, bank: Path, profile: str | None) -> tuple[float, float, Callable]:
    """Import ``bank`` into the fresh database ``url``: (seconds in all, seconds reading and
    validating the files, a function giving the rows written by table)."""
    from app.banks.loader import load_bank
    from app.banks.services import import_bank
    from app.extensions import db

    engine = sa.create_engine(url)
    tables = list(db.metadata.sorted_tables)
    with engine.connect() as conn:
        before = _counts(conn, tables)
    session = Session(bind=engine)
    try:
        with _profiled(profile):
            # import_directory's two steps, timed apart: reading and validating, writing.
            start = time.perf_counter()
            loaded = load_bank(bank)
            loading = time.perf_counter() - start
            report = import_bank(session, loaded)
            session.commit()
            # The import pauses the cyclic collector; what it deferred is paid here, timed, not
            # by the bulk insert that follows (it slowed that by a third on SQLite).
            gc.collect()
            seconds = time.perf_counter() - start
    finally:
        session.close()
    if report.skipped or report.updated:
        raise SystemExit(f"unexpected import report: {report.summary()}")

    def rows() -> dict[sa.Table, list[dict[str, Any]]]:
        with engine.connect() as conn:
            after = _counts(conn, tables)
            written = [t for t in tables if after[t.name] != before[t.name]]
            data = {t: [dict(r._mapping) for r in conn.execute(sa.select(t))] for t in written}
        engine.dispose()
        return data

    return seconds, loading, rows


def timed_bulk_insert(url: str, data: dict[sa.Table, list[dict[str, Any]]]) -> float:
    """Insert ``data`` into the fresh database ``url`` with one executemany per table (the
    migration's rows, if any, are replaced): seconds from the first statement to the commit."""
    engine = sa.create_engine(url)
    deferred = []  # (table, column): foreign keys to a table inserted later (use_alter)
    for table in data:
        for fk in table.foreign_keys:
            if fk.use_alter and fk.column.table in data:
                deferred.append((table, fk.parent.name))
    with engine.connect() as conn:
        start = time.perf_counter()
        with conn.begin():
            for table, rows in data.items():
                conn.execute(table.delete())
                later = {c for t, c in deferred if t is table}
                conn.execute(table.insert(), [{**r, **dict.fromkeys(later)} for r in rows])
            for table, column in deferred:
                pk = table.primary_key.columns.values()[0]
                update = (
                    table.update()
                    .where(pk == sa.bindparam("_pk"))
                    .values({column: sa.bindparam("_value")})
                )
                conn.execute(
                    update, [{"_pk": r[pk.name], "_value": r[column]} for r in data[table]]
                )
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


# ---------------------------------------------------------------- runs


def measure(kind: str, opts: argparse.Namespace) -> dict[str, float]:
    """``opts.runs`` runs on one database kind; the medians."""
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        work = Path(folder)
        bank = work / "bank"
        bank.mkdir()
        write_bank(bank, opts.questions, opts.seed)
        dbs = Databases(kind, work, opts.pg_url)
        try:
            for run in range(opts.runs):
                profile = f"{opts.profile}.{kind}" if opts.profile and run == 0 else None
                imported, loading, rows = timed_import(dbs.fresh("import"), bank, profile)
                data = rows()
                inserted = timed_bulk_insert(dbs.fresh("insert"), data)
                n = opts.questions
                result = {
                    "import_q_per_s": n / imported,
                    "import_s": imported,
                    "load_s": loading,
                    "write_s": imported - loading,
                    "bulk_insert_q_per_s": n / inserted,
                    "bulk_insert_s": inserted,
                    "ratio": inserted / imported,
                    "ratio_writes_only": inserted / (imported - loading),
                }
                results.append(result)
                counts = ", ".join(f"{t.name} {len(r)}" for t, r in data.items())
                print(f"{kind} run {run + 1}: " + _line(result) + f"  [rows: {counts}]")
        finally:
            if kind == "postgresql":
                dbs.drop()
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def _line(r: dict[str, float]) -> str:
    return (
        f"import {r['import_q_per_s']:,.0f} q/s ({r['import_s']:.2f} s: read+validate "
        f"{r['load_s']:.2f} s, write {r['write_s']:.2f} s); bulk insert "
        f"{r['bulk_insert_q_per_s']:,.0f} q/s ({r['bulk_insert_s']:.2f} s); ratio "
        f"{r['ratio']:.2f} (writes only {r['ratio_writes_only']:.2f})"
    )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="sqlite", help="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_IMPORT_DATABASE_URL", PG_URL))
    parser.add_argument("--profile", help="cProfile the first import into FILE.<database>")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    medians = {}
    for kind in opts.databases.split(","):
        medians[kind] = measure(kind.strip(), opts)
    print(f"\nImporting {opts.questions:,} questions, median of {opts.runs} run(s):")
    for kind, r in medians.items():
        met = "met" if r["ratio"] >= 0.3 else "NOT met"
        print(f"  {kind}: {_line(r)}  goal >= 0.3: {met}")
    print(f"  load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
