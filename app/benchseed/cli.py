"""``flask bench seed``: a deterministic synthetic institution (app/benchseed/seed.py)."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from app.benchseed.seed import SMALL, Params, SeedError, plan, plan_hash
from app.benchseed.write import write
from app.extensions import db

bench_cli = AppGroup("bench", help="Benchmark tooling (docs/benchmarks.md).")


@bench_cli.command("seed")
@click.option("--trainees", type=int, help="Trainee accounts (enrolled in one cohort).")
@click.option("--questions", type=int, help="Published single-choice questions.")
@click.option("--attempts", type=int, help="Answered items in all (in 50-question exams).")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
@click.option("--prefix", default="bench", show_default=True, help="Names of what is made.")
@click.option("--small", is_flag=True, help="The CI preset: " + str(SMALL) + ".")
def seed_command(
    trainees: int | None,
    questions: int | None,
    attempts: int | None,
    seed_value: int,
    prefix: str,
    small: bool,
) -> None:
    """Create the synthetic institution with bulk inserts; the same seed, the same content."""
    given = {"trainees": trainees, "questions": questions, "attempts": attempts}
    if not small and None in given.values():
        raise click.UsageError("give --trainees, --questions and --attempts, or --small")
    values = {k: (v if v is not None else SMALL[k]) for k, v in given.items()}
    try:
        params = Params(**values, seed=seed_value, prefix=prefix)
        started = time.perf_counter()
        institution = plan(params)
        written = write(db.session, institution)
        db.session.commit()
    except SeedError as exc:
        db.session.rollback()
        raise click.UsageError(str(exc)) from None
    elapsed = time.perf_counter() - started
    click.echo(
        f"Seeded {prefix!r}: {len(written.user_ids)} trainees, {params.questions} questions, "
        f"{written.attempts} attempts with {written.items} answered items in {elapsed:.1f} s "
        f"(module {institution.module_slug}, content hash {plan_hash(institution)[:16]})."
    )


def register_cli(app: Flask) -> None:
    app.cli.add_command(bench_cli)
