"""The `stats` command group: item analysis from a responses CSV or from a module's attempts.

The application factory registers it through ``register_cli``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.analysis.psychometrics import (
    AnalysisResult,
    ResponsesFileInvalid,
    analyse_responses_csv,
    render_table,
)

if TYPE_CHECKING:
    from flask import Flask

ITEM_ANALYSIS_MODULE = "app.analysis.item_analysis"


class BadResponsesFile(click.ClickException):
    """A responses file that cannot be read or analysed: ``Error: <file>: <reason>``, exit 2."""

    exit_code = 2


@click.group("stats")
def stats() -> None:
    """Item analysis and test statistics."""


@stats.command("analyse")
@click.option(
    "--responses",
    "responses_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Analyse this CSV (examinee,ITEM1,…; a 'key' row; one row per examinee) "
    "without the database.",
)
@click.option("--module", "module_slug", help="Analyse the first exam attempts of this module.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def analyse(responses_path: Path | None, module_slug: str | None, as_json: bool) -> None:
    """Item and test statistics (facility, discrimination, distractors, alpha, KR-20, SEM).

    With --responses FILE.csv the analysis runs on that file alone; with --module SLUG, on the
    first exam attempts at that module (without either, the exam modules are listed).
    """
    if responses_path is not None:
        if module_slug is not None:
            raise click.UsageError("--responses and --module cannot be combined.")
        result = _analyse_file(responses_path)
    else:
        result = _analyse_module(module_slug)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(render_table(result), nl=False)


def _analyse_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadResponsesFile(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    try:
        return analyse_responses_csv(text)
    except ResponsesFileInvalid as exc:
        raise BadResponsesFile(f"{path}: {exc}") from exc


def _analyse_module(module_slug: str | None) -> dict:
    """The database hook: ``app.analysis.item_analysis.analyse_module(slug)``.

    That function takes a module slug (None: a usage error listing the exam modules), reads the
    first exam-mode attempts inside the app context that ``flask`` provides, and returns an
    ``AnalysisResult`` or its ``to_dict()`` form. It is imported lazily so that --responses
    works without the database layer; should the module be missing, this command says so and
    exits 1.
    """
    try:
        module = importlib.import_module(ITEM_ANALYSIS_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != ITEM_ANALYSIS_MODULE:
            raise  # a real import error inside item_analysis must not be hidden
        module = None
    analyse_module = getattr(module, "analyse_module", None)
    if analyse_module is None:
        click.echo("module analysis not available yet", err=True)
        raise click.exceptions.Exit(1)
    result = analyse_module(module_slug)
    return result.to_dict() if isinstance(result, AnalysisResult) else result


def register_cli(app: Flask) -> None:
    app.cli.add_command(stats)
