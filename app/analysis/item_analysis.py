"""Item analysis of a module from the database: the first exam attempts, per question version.

Which attempts: for every trainee, their FIRST exam-mode attempt at the module (the lowest
``attempt_no`` among their exam-mode attempts), counted only once it is closed (submitted or
expired). Practice attempts, later attempts and open attempts never count (PSYCHOMETRICS.md
§1.1 recommends first attempts).

Item marks are ``AttemptItem.score`` (the mark, out of ``AttemptItem.max_score``); the attempt
total is the sum of its item marks (Moodle's ``summarks``). For a type whose quiz facet has
``analysis`` hooks (single choice, true/false), the option an item's response chose feeds the
distractor table (a true/false item gives "true"/"false").

Two cases:

* **Fixed form** (every analysed attempt saw the same question versions): one examinee × item
  matrix, analysed by ``psychometrics.analyse_scores`` exactly as a response file would be.
* **Drawn forms** (blueprints draw different versions for different trainees): the test
  statistics come from the position (slot) matrix, as Moodle does for random questions; each
  version's statistics come from the attempts that saw it, against the rest of each attempt
  (the attempt total minus the item's mark). ``alpha_if_deleted`` is undefined there (None).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.analysis.psychometrics import (
    AnalysisResult,
    DistractorStats,
    Item,
    ItemStats,
    TestStats,
    analyse_scores,
)
from app.banks import models as bm
from app.banks.schema import Mode
from app.derived import store
from app.questions import registry
from app.questions.facets import AnalysisHooks
from app.quiz import queries as quiz_queries
from app.quiz.models import Attempt, AttemptItem, AttemptStatus

CLOSED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)


@dataclass
class ModuleAnalysis:
    """An analysis with what it was computed from (for the studio page)."""

    module: bm.Module
    result: AnalysisResult
    attempts: int
    fixed_form: bool
    labels: dict[str, dict[str, Any]]  # item name -> {"question_id", "key", "version_no", ...}


def first_exam_attempts(session: Session, module_id: int) -> list[Attempt]:
    """Each trainee's first exam-mode attempt at the module, if it is closed; items loaded."""
    first = (
        sa.select(Attempt.user_id, sa.func.min(Attempt.attempt_no).label("first_no"))
        .where(Attempt.module_id == module_id, Attempt.mode == Mode.EXAM)
        .group_by(Attempt.user_id)
        .subquery()
    )
    stmt = (
        sa.select(Attempt)
        .join(
            first,
            sa.and_(first.c.user_id == Attempt.user_id, first.c.first_no == Attempt.attempt_no),
        )
        .where(
            Attempt.module_id == module_id,
            Attempt.mode == Mode.EXAM,
            Attempt.status.in_(CLOSED),
        )
        .options(selectinload(Attempt.items).selectinload(AttemptItem.question_version))
        .order_by(Attempt.user_id)
    )
    return list(session.scalars(stmt))


class _ItemRow(NamedTuple):
    """The four columns of an attempt item the analysis reads (no ORM object per item)."""

    question_version_id: int
    score: float | None
    max_score: float
    response: dict[str, Any] | None


@dataclass
class _Sheet:
    """One analysed attempt: its items in position order."""

    attempt_id: int
    items: list[_ItemRow] = field(default_factory=list)


def _first_attempt_sheets(session: Session, module_id: int) -> list[_Sheet]:
    """What ``first_exam_attempts`` selects, as plain rows in one statement (issue 19: loading
    25,000 ORM items with their versions took most of the page's time)."""
    first = (
        sa.select(Attempt.user_id, sa.func.min(Attempt.attempt_no).label("first_no"))
        .where(Attempt.module_id == module_id, Attempt.mode == Mode.EXAM)
        .group_by(Attempt.user_id)
        .subquery()
    )
    stmt = (
        sa.select(
            Attempt.id,
            AttemptItem.question_version_id,
            AttemptItem.score,
            AttemptItem.max_score,
            AttemptItem.response,
        )
        .join(
            first,
            sa.and_(first.c.user_id == Attempt.user_id, first.c.first_no == Attempt.attempt_no),
        )
        .outerjoin(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(
            Attempt.module_id == module_id,
            Attempt.mode == Mode.EXAM,
            Attempt.status.in_(CLOSED),
        )
        .order_by(Attempt.user_id, AttemptItem.position)
    )
    sheets: dict[int, _Sheet] = {}
    for attempt_id, version_id, score, max_score, response in session.execute(stmt):
        sheet = sheets.setdefault(attempt_id, _Sheet(attempt_id))
        if version_id is not None:
            sheet.items.append(_ItemRow(version_id, score, max_score, response))
    return list(sheets.values())


def _versions(session: Session, ids: set[int]) -> dict[int, bm.QuestionVersion]:
    if not ids:
        return {}
    found = session.scalars(sa.select(bm.QuestionVersion).where(bm.QuestionVersion.id.in_(ids)))
    return {v.id: v for v in found}


def _hooks(version: bm.QuestionVersion) -> AnalysisHooks | None:
    return registry.get(version.type).quiz.analysis


def _choice(version: bm.QuestionVersion, response: dict[str, Any] | None) -> str | None:
    hooks = _hooks(version)
    if not response or hooks is None:
        return None
    return hooks.choice(response)


def _item(name: str, version: bm.QuestionVersion, max_mark: float) -> Item:
    hooks = _hooks(version)
    if hooks is None:
        return Item(name=name, max_mark=max_mark)
    options, key = hooks.options(version.content)
    return Item(name=name, max_mark=max_mark, key=key, options=options)


def _has_choices(version: bm.QuestionVersion) -> bool:
    return _hooks(version) is not None


def analyse(session: Session, module: bm.Module) -> ModuleAnalysis:
    """The item analysis of ``module`` from its first exam attempts (see the module docstring)."""
    attempts = _first_attempt_sheets(session, module.id)
    versions = _versions(session, {it.question_version_id for a in attempts for it in a.items})
    max_marks: dict[int, float] = {}
    for attempt in attempts:
        for it in attempt.items:
            max_marks[it.question_version_id] = max(
                max_marks.get(it.question_version_id, 0.0), float(it.max_score)
            )
    keys = dict(
        session.execute(
            sa.select(bm.Question.id, bm.Question.key).where(
                bm.Question.id.in_({v.question_id for v in versions.values()})
            )
        ).all()
    )
    order = sorted(
        versions, key=lambda vid: (keys[versions[vid].question_id], versions[vid].version_no)
    )
    names = {vid: f"{keys[versions[vid].question_id]} v{versions[vid].version_no}" for vid in order}
    labels = {
        names[vid]: {
            "question_id": versions[vid].question_id,
            "key": keys[versions[vid].question_id],
            "version_no": versions[vid].version_no,
            "type": versions[vid].type.value,
        }
        for vid in order
    }
    forms = {frozenset(it.question_version_id for it in a.items) for a in attempts}
    fixed = len(forms) <= 1
    if fixed:
        result = _fixed_form(attempts, order, versions, max_marks, names)
    else:
        result = _drawn_forms(attempts, order, versions, max_marks, names)
    exposure = quiz_queries.exposure_counts(session, set(keys))
    for stats in result.items:
        label = labels.get(stats.item)
        if label is not None:
            stats.exposure = label["exposure"] = exposure.get(label["question_id"], 0)
    return ModuleAnalysis(module, result, len(attempts), fixed, labels)


def items_shown(result: AnalysisResult, text: str = "", flagged: bool = False) -> list[ItemStats]:
    """The items whose name holds ``text`` (any case), only the flagged ones if ``flagged``:
    what the studio's page lists, a page at a time."""
    needle = text.casefold()
    return [
        item
        for item in result.items
        if (not flagged or item.flags) and (not needle or needle in item.item.casefold())
    ]


# The statistics of an item (``ItemStats``'s fields) that the CSV gives, in its order.
CSV_STATS = (
    "n",
    "facility",
    "sd",
    "discrimination_index",
    "discriminative_efficiency",
    "upper_lower_d",
    "point_biserial",
    "alpha_if_deleted",
)
CSV_HEADER = ("item", "question_id", "version", "exposure", *CSV_STATS, "flags")


def csv_rows(analysis: ModuleAnalysis) -> list[list[Any]]:
    """One row per item, in ``CSV_HEADER``'s order: the whole analysis as the page pages it."""
    rows = []
    for it in analysis.result.items:
        label = analysis.labels.get(it.item) or {}
        named = [it.item, label.get("question_id", ""), label.get("version_no", ""), it.exposure]
        rows.append(named + [getattr(it, name) for name in CSV_STATS] + [" ".join(it.flags)])
    return rows


# ---------------------------------------------------------------- kept results (app/derived)


def analysis_stamp(session: Session, module_id: int) -> str:
    """What the analysis of a module is computed from, summarised by one aggregate over the
    module's closed exam attempts (``ix_attempts_module_user``): their number, highest id,
    latest close and total score. A new or removed attempt changes it, a regrade too (and
    ``apply_regrade`` forgets the module's analysis, since two regrades can cancel out in a
    sum). Exposure counts (trainees served each question in any module) are kept as they
    were when the analysis was computed; the page says when that was."""
    count, top, latest, total = session.execute(
        sa.select(
            sa.func.count(Attempt.id),
            sa.func.max(Attempt.id),
            sa.func.max(Attempt.submitted_at),
            sa.func.sum(Attempt.score),
        ).where(
            Attempt.module_id == module_id,
            Attempt.mode == Mode.EXAM,
            Attempt.status.in_(CLOSED),
        )
    ).one()
    return store.stamp_of(count, top, latest, None if total is None else round(float(total), 6))


def dump_analysis(analysis: ModuleAnalysis) -> dict[str, Any]:
    """The analysis as JSON (without the module). Raises ValueError when a statistic is not a
    finite number (JSON has no NaN): such a result is shown, not kept."""
    payload = {
        "result": asdict(analysis.result),
        "attempts": analysis.attempts,
        "fixed_form": analysis.fixed_form,
        "labels": analysis.labels,
    }
    json.dumps(payload, allow_nan=False)
    return payload


def load_analysis(module: bm.Module, payload: dict[str, Any]) -> ModuleAnalysis:
    result = payload["result"]
    items = [
        ItemStats(
            **{
                **item,
                "distractors": [DistractorStats(**d) for d in item["distractors"]],
            }
        )
        for item in result["items"]
    ]
    return ModuleAnalysis(
        module,
        AnalysisResult(test=TestStats(**result["test"]), items=items),
        int(payload["attempts"]),
        bool(payload["fixed_form"]),
        payload["labels"],
    )


def analyse_cached(session: Session, module: bm.Module) -> store.Derived[ModuleAnalysis]:
    """``analyse``, reused while ``analysis_stamp`` is unchanged (the studio page; issue 19:
    at 20,000 first attempts the analysis takes tens of seconds). Pass marks and standard
    setting call ``analyse`` itself."""
    derived = store.cached(
        session,
        store.ITEM_ANALYSIS,
        module.id,
        analysis_stamp(session, module.id),
        lambda: analyse(session, module),
        dump_analysis,
        lambda payload: load_analysis(module, payload),
    )
    if derived.value.module is not module:  # the worker's loaded copy (store.KEEP_LOADED)
        value = dataclasses.replace(derived.value, module=module)  # not an earlier request's
        derived = dataclasses.replace(derived, value=value)
    return derived


def _fixed_form(attempts, order, versions, max_marks, names) -> AnalysisResult:
    items = [_item(names[vid], versions[vid], max_marks[vid]) for vid in order]
    scores, choices = [], []
    for attempt in attempts:
        by_version = {it.question_version_id: it for it in attempt.items}
        scores.append([float(by_version[vid].score or 0.0) for vid in order])
        choices.append([_choice(versions[vid], by_version[vid].response) for vid in order])
    any_choices = any(_has_choices(versions[vid]) for vid in order)
    return analyse_scores(scores, items, choices if any_choices else None)


def _drawn_forms(attempts, order, versions, max_marks, names) -> AnalysisResult:
    totals = [sum(float(it.score or 0.0) for it in a.items) for a in attempts]
    top = max((sum(float(it.max_score) for it in a.items) for a in attempts), default=1.0)
    # Each version's items with their attempt totals, in attempt order, in one pass (issue 19:
    # searching every attempt's items for every version was quadratic in the bank's size).
    seen: dict[int, list[tuple[Any, float]]] = {vid: [] for vid in order}
    for attempt, total in zip(attempts, totals, strict=True):
        done: set[int] = set()
        for it in attempt.items:
            if it.question_version_id not in done:  # the first item of a version, as before
                done.add(it.question_version_id)
                seen[it.question_version_id].append((it, total))
    item_stats = []
    for vid in order:
        rows, choice_rows = [], []
        for mine, total in seen[vid]:
            x = float(mine.score or 0.0)
            rows.append([x, max(total - x, 0.0)])
            choice_rows.append([_choice(versions[vid], mine.response), None])
        item = _item(names[vid], versions[vid], max_marks[vid])
        rest = Item(name=" rest", max_mark=max(top, 1.0))
        sub = analyse_scores(
            rows, [item, rest], choice_rows if _has_choices(versions[vid]) else None
        )
        stats = sub.items[0]
        stats.alpha_if_deleted = None
        item_stats.append(stats)
    return AnalysisResult(test=_slot_test_stats(attempts, totals), items=item_stats)


def _slot_test_stats(attempts: list[_Sheet], totals: list[float]) -> TestStats:
    """Test statistics over positions (slots) when every attempt has the same length."""
    lengths = {len(a.items) for a in attempts}
    if len(lengths) == 1:
        p = lengths.pop()
        matrix = [[float(it.score or 0.0) for it in a.items] for a in attempts]
        slot_max = [max(float(a.items[i].max_score) for a in attempts) for i in range(p)]
        items = [Item(name=f"slot {i + 1}", max_mark=slot_max[i]) for i in range(p)]
        return analyse_scores(matrix, items).test
    # Forms of different lengths: only the statistics of the totals are defined.
    top = max(totals) if totals else 1.0
    test = analyse_scores([[t] for t in totals], [Item("total", max_mark=max(top, 1.0))]).test
    test.alpha = test.kr20 = test.sem = None
    return test


def analyse_module(slug: str | None) -> AnalysisResult:
    """``flask stats analyse --module SLUG``: the analysis of one module.

    The ``stats`` group is a plain click group, so the app context is pushed here (from the
    ``flask`` command's ScriptInfo) when the caller has none.
    """
    from flask import has_app_context
    from flask.cli import ScriptInfo

    if not has_app_context():
        ctx = click.get_current_context()
        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            return _analyse_slug(slug)
    return _analyse_slug(slug)


def _analyse_slug(slug: str | None) -> AnalysisResult:
    from app.extensions import db

    session = db.session
    if slug is None:
        exams = session.scalars(
            sa.select(bm.Module.slug).where(bm.Module.mode == Mode.EXAM).order_by(bm.Module.slug)
        ).all()
        raise click.UsageError(
            "give --module SLUG (or --responses FILE.csv); exam modules: "
            + (", ".join(exams) or "none")
        )
    module = session.scalar(sa.select(bm.Module).where(bm.Module.slug == slug))
    if module is None:
        raise click.ClickException(f"no module '{slug}'")
    return analyse(session, module).result


def result_by_name(result: AnalysisResult) -> dict[str, Any]:
    return {item.item: item for item in result.items}


def scores_for_hofstee(session: Session, module: bm.Module) -> list[float]:
    """Observed first-attempt scores of the module in % (for the Hofstee check)."""
    out = []
    for attempt in first_exam_attempts(session, module.id):
        total = sum(float(it.score or 0.0) for it in attempt.items)
        top = sum(float(it.max_score) for it in attempt.items)
        if top:
            out.append(100.0 * total / top)
    return out


__all__ = [
    "ModuleAnalysis",
    "analyse",
    "analyse_module",
    "first_exam_attempts",
    "scores_for_hofstee",
]
