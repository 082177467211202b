"""Item-writing checks on a loaded bank (NBME item-writing guidance), on top of validation.

Pure: no Flask, no SQLAlchemy, no clock (the date that ``review_by`` is compared with is
passed in). ``lint_bank`` returns problems (errors and warnings); the CLI
``flask --app wsgi banks lint`` prints them, and ``python -m app.banks.lint PATH`` does the
same without an app. The checks of issue 14 (authoring notes in learner text, paths outside
the repository, cognitive levels, review dates, pool depths and answer-key cues) are in
``app/banks/content_lint.py``; the pools and cues are computed by ``app/banks/pools.py``,
which ``banks stats --json`` shares.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path

from app.banks import content_lint
from app.banks.loader import Bank, BankProblem, LoadedQuestion, load_bank, published_counts
from app.banks.schema import ChoiceOption, Mode, Module, Status, Use
from app.questions import registry

_ALL_NONE = re.compile(
    r"\b(all|none|both|neither) of the (above|following|options|answers)\b"
    r"|\bboth [a-e] and [a-e]\b",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(r"\b(not|except|least|false|incorrect)\b", re.IGNORECASE)
_EMPHASISED_NEGATIVE = re.compile(
    r"(\*\*|__|<strong>|<b>)\s*(NOT|EXCEPT|LEAST|FALSE|INCORRECT)\s*(\*\*|__|</strong>|</b>)"
)
NEAR_DUPLICATE_RATIO = 0.9


def lint_bank(
    bank: Bank, today: date | None = None, sources: str | None = None
) -> list[BankProblem]:
    """Item-writing problems for every question, plus whole-bank checks. ``today``: the date
    ``review_by`` is compared with (None: that check is skipped); ``sources``: the text of
    docs/sources.md that references must name (None: that check is skipped)."""
    problems: list[BankProblem] = []
    for lq in bank.questions.values():
        problems.extend(_lint_question(lq))
    problems.extend(_blueprints(bank))
    problems.extend(_objectives(bank))
    problems.extend(content_lint.lint_content(bank, today, sources))
    return problems


def _where(lq: LoadedQuestion) -> tuple[str, str]:
    if lq.case_key:
        return "case", f"{lq.case_key}/{lq.question.key}"
    return "question", lq.question.key


def _lint_question(lq: LoadedQuestion) -> list[BankProblem]:
    q = lq.question
    kind, key = _where(lq)

    def warn(field: str, message: str) -> BankProblem:
        return BankProblem(lq.path, message, kind, key, field, severity="warning")

    out: list[BankProblem] = []
    texts = [q.stem]
    options = registry.get(q.type).content.choices(q)
    if options:
        texts += [o.text for o in options]
        out.extend(warn("options", m) for m in _option_problems(options))
    if any(_ALL_NONE.search(t) for t in texts):
        out.append(warn("options", 'avoid "all of the above" / "none of the above"'))
    stem_plain = re.sub(r"\*\*.*?\*\*|__.*?__", "", q.stem)
    if _NEGATIVE.search(_last_sentence(stem_plain)) and not _EMPHASISED_NEGATIVE.search(q.stem):
        out.append(warn("stem", "a negatively worded stem must emphasise the negative (**NOT**)"))
    if not q.explanation.strip():
        out.append(warn("explanation", "missing: explain why the key is right"))
    if not q.objective:
        out.append(warn("objective", "missing: map the question to a learning objective"))
    if not any(r.strip() for r in q.references):
        out.append(warn("references", "missing: cite the source the question rests on"))
    return out


def _last_sentence(stem: str) -> str:
    """The question itself: negatives in the vignette are fine, in the lead-in they are not."""
    parts = [p for p in re.split(r"(?<=[.?!:])\s+", stem.strip()) if p]
    return parts[-1] if parts else stem


def _option_problems(options: list[ChoiceOption]) -> list[str]:
    out = []
    normalised = [re.sub(r"\W+", " ", o.text).strip().lower() for o in options]
    for i in range(len(options)):
        for j in range(i + 1, len(options)):
            a, b = normalised[i], normalised[j]
            if a == b:
                out.append(f"options '{options[i].id}' and '{options[j].id}' are duplicates")
            elif SequenceMatcher(None, a, b).ratio() >= NEAR_DUPLICATE_RATIO:
                out.append(f"options '{options[i].id}' and '{options[j].id}' are near-duplicates")
    return out


def _blueprints(bank: Bank) -> list[BankProblem]:
    """Each module's blueprint and case draws are satisfiable from the published items of the
    module's use: an exam module from exam items, a practice module from practice items."""
    out = []
    for module in bank.modules.values():
        use = Use.EXAM if module.mode == Mode.EXAM else Use.PRACTICE
        counts = published_counts(bank, use)
        out += _question_rows(module, counts, use)
        published_cases: dict[str | None, int] = defaultdict(int)
        for lc in bank.cases.values():
            if lc.case.status == Status.PUBLISHED and lc.case.use == use:
                published_cases[lc.topic] += 1
                published_cases[None] += 1
        for draw in module.cases:
            have = published_cases[draw.topic]
            if draw.count > have:
                out.append(
                    _shortfall(
                        module,
                        f"asks for {draw.count} cases of topic '{draw.topic or 'any'}'; the bank "
                        f"has {have} published {use.value} cases",
                        draw.count - have,
                        "cases",
                    )
                )
    return out


def _shortfall(module: Module, message: str, short: int, field: str) -> BankProblem:
    return BankProblem("modules", f"{message} ({short} short)", "module", module.slug, field)


def _question_rows(module: Module, counts: Counter, use: Use) -> list[BankProblem]:
    """The blueprint rows (topic, difficulty) the published questions of ``use`` cannot fill."""
    out = []
    what = f"published {use.value} questions"
    by_topic: dict[str, int] = defaultdict(int)
    for (topic, _), n in counts.items():
        by_topic[topic] += n
    asked: dict[tuple[str, str | None], int] = defaultdict(int)
    for row in module.blueprint:
        asked[(row.topic, row.difficulty.value if row.difficulty else None)] += row.count
    for (topic, difficulty), n in asked.items():
        have = counts[(topic, difficulty)] if difficulty else by_topic[topic]
        if n > have:
            level = f" {difficulty}" if difficulty else ""
            message = f"asks for {n}{level} '{topic}' questions; the bank has {have} {what}"
            out.append(_shortfall(module, message, n - have, "blueprint"))
    # Rows with and without a difficulty draw from the same pool of the topic.
    for topic in sorted({t for t, _ in asked}):
        total = sum(n for (t, _), n in asked.items() if t == topic)
        if len([1 for t, _ in asked if t == topic]) > 1 and total > by_topic[topic]:
            message = (
                f"asks for {total} '{topic}' questions in all; the bank has "
                f"{by_topic[topic]} {what}"
            )
            out.append(_shortfall(module, message, total - by_topic[topic], "blueprint"))
    return out


def _objectives(bank: Bank) -> list[BankProblem]:
    """Objectives nobody tests are a gap in the blueprint."""
    used = {lq.question.objective for lq in bank.questions.values()}
    out = []
    for module in bank.modules.values():
        for objective in module.objectives:
            if objective.id not in used:
                out.append(
                    BankProblem(
                        "modules",
                        f"objective '{objective.id}' has no question",
                        "module",
                        module.slug,
                        "objectives",
                        severity="warning",
                    )
                )
    return out


def lint_path(path: str, today: date | None = None) -> tuple[list[BankProblem], list[BankProblem]]:
    """(errors, warnings) for the bank at ``path``: structural problems and item writing;
    ``review_by`` dates are compared with ``today`` (default: the date today)."""
    bank = load_bank(path)
    problems = bank.problems + lint_bank(bank, today or date.today(), sources_beside(path))
    return (
        [p for p in problems if p.severity == "error"],
        [p for p in problems if p.severity == "warning"],
    )


def sources_beside(path: str | Path) -> str | None:
    """The text of ``docs/sources.md`` of the repository holding the bank folder ``path``
    (its parent's ``docs/``), or None when there is none (a bank elsewhere)."""
    page = Path(path).resolve().parent / "docs" / "sources.md"
    return page.read_text(encoding="utf-8") if page.is_file() else None


def main(argv: list[str]) -> int:
    path = argv[0] if argv else "question_banks"
    errors, warnings = lint_path(path)
    for p in errors:
        print(f"error: {p}")
    for p in warnings:
        print(f"warning: {p}")
    for line in content_lint.cue_report(load_bank(path)):
        print(line)
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
