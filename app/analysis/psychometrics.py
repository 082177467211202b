"""Item analysis, reliability and standard setting: pure functions over dataclasses.

The formulas are the ones in PSYCHOMETRICS.md §1-3 (Moodle's quiz statistics report plus the
textbook statistics it lacks). Conventions, stated once:

* An item score is its mark in [0, max_mark]; an omitted answer scores 0 and still counts as
  an examinee of every item (``n`` is the number of examinees analysed).
* Every variance, SD and covariance divides by n - 1 (as Moodle does), except KR-20, whose
  Σpq is paired with the *population* variance of the totals (§1.4).
* Everything is a fraction, never a percentage, except the standard-setting outputs that are
  explicitly named ``*_percent`` and the Hofstee inputs, which are in % by definition.
* A statistic that is undefined (too few examinees, a zero variance) is ``None``, never NaN.

Standard library only: this module imports neither flask, sqlalchemy nor numpy.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

__all__ = [
    "FACILITY_TOO_EASY",
    "FACILITY_TOO_HARD",
    "LOW_DISCRIMINATION",
    "UPPER_LOWER_FRACTION",
    "AnalysisResult",
    "AngoffResult",
    "DistractorStats",
    "HofsteeJudgement",
    "HofsteeResult",
    "HofsteeScanRow",
    "Item",
    "ItemStats",
    "ResponseSet",
    "ResponsesFileInvalid",
    "TestStats",
    "analyse_responses",
    "analyse_responses_csv",
    "analyse_scores",
    "hofstee",
    "kr20_from_summary",
    "kr21_from_summary",
    "modified_angoff",
    "parse_responses_csv",
    "render_table",
    "upper_lower_groups",
]

FACILITY_TOO_HARD = 0.2
FACILITY_TOO_EASY = 0.95
LOW_DISCRIMINATION = 0.2
UPPER_LOWER_FRACTION = 27  # percent of N in each of the upper and lower groups (Kelley)


# --------------------------------------------------------------------------------------------
# Inputs and outputs
# --------------------------------------------------------------------------------------------


class ResponsesFileInvalid(ValueError):
    """A responses CSV file that cannot be analysed; the message names the line and the fault."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class Item:
    """One item (question) of a form: its name, maximum mark, keyed option and option list."""

    name: str
    max_mark: float = 1.0
    key: str | None = None
    options: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ResponseSet:
    """A parsed responses file: items, examinee ids, the chosen options and the marks."""

    items: tuple[Item, ...]
    examinees: tuple[str, ...]
    choices: tuple[tuple[str | None, ...], ...]
    scores: tuple[tuple[float, ...], ...]


@dataclass
class DistractorStats:
    """One option of an item: how many chose it overall and in the upper and lower groups."""

    option: str
    is_key: bool
    count: int
    proportion: float | None
    upper: float | None
    lower: float | None


@dataclass
class ItemStats:
    """Statistics of one item; correlations and proportions are fractions."""

    item: str
    n: int
    facility: float | None
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    upper_lower_d: float | None
    point_biserial: float | None
    alpha_if_deleted: float | None
    distractors: list[DistractorStats] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # Distinct trainees ever served the question (any attempt, any module): set by the
    # database analysis (app.analysis.item_analysis), None for a responses file.
    exposure: int | None = None


@dataclass
class TestStats:
    """Statistics of the total score of a form (sum of the item marks)."""

    __test__ = False  # not a pytest test class, despite the name

    n: int
    items: int
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    alpha: float | None
    kr20: float | None
    sem: float | None


@dataclass
class AnalysisResult:
    """The whole analysis; ``to_dict()`` gives the JSON shape of the CLI and the API."""

    test: TestStats
    items: list[ItemStats]

    def to_dict(self) -> dict[str, Any]:
        return {"test": asdict(self.test), "items": [asdict(item) for item in self.items]}


# --------------------------------------------------------------------------------------------
# Small numeric helpers (exact zero-variance detection, fsum everywhere)
# --------------------------------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _is_constant(values: Sequence[float]) -> bool:
    return min(values) == max(values)


def _sum_sq_dev(values: Sequence[float]) -> float:
    """Σ(x - x̄)², exactly 0.0 for a constant sequence (no rounding residue)."""
    if _is_constant(values):
        return 0.0
    mean = _mean(values)
    return math.fsum((v - mean) ** 2 for v in values)


def _sample_var(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    return _sum_sq_dev(values) / (len(values) - 1)


def _clamp_unit(r: float) -> float:
    return max(-1.0, min(1.0, r))


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson r; None when n < 2 or either variable is constant."""
    if len(xs) < 2 or _is_constant(xs) or _is_constant(ys):
        return None
    mx, my = _mean(xs), _mean(ys)
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    return _clamp_unit(sxy / math.sqrt(sxx * syy))


def _discriminative_efficiency(xs: Sequence[float], others: Sequence[float]) -> float | None:
    """Moodle: cov(x, O) / covmax, covmax pairing both arrays sorted ascending independently."""
    if len(xs) < 2 or _is_constant(xs) or _is_constant(others):
        return None
    mx, mo = _mean(xs), _mean(others)
    cov = math.fsum((x - mx) * (o - mo) for x, o in zip(xs, others, strict=True))
    covmax = math.fsum((x - mx) * (o - mo) for x, o in zip(sorted(xs), sorted(others), strict=True))
    if covmax <= 0.0:
        return None
    return cov / covmax  # the common 1/(s-1) cancels


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    s = len(ordered)
    if s % 2:
        return float(ordered[s // 2])
    return (ordered[s // 2 - 1] + ordered[s // 2]) / 2


def _cronbach_alpha(
    item_columns: Sequence[Sequence[float]], totals: Sequence[float]
) -> float | None:
    """α = p/(p-1)·(1 - Σ s_i² / s_X²), sample variances; None unless s > 2, p > 1, s_X² ≠ 0."""
    p = len(item_columns)
    s = len(totals)
    if p < 2 or s < 3:
        return None
    total_var = _sample_var(totals)
    if not total_var:
        return None
    item_vars = math.fsum(_sample_var(col) for col in item_columns)
    return p / (p - 1) * (1 - item_vars / total_var)


# --------------------------------------------------------------------------------------------
# Reliability from published summaries
# --------------------------------------------------------------------------------------------


def _population_variance(values: Sequence[float]) -> float:
    return _sum_sq_dev(values) / len(values)


def kr20_from_summary(
    p_values: Sequence[float],
    *,
    total_variance: float | None = None,
    totals: Sequence[float] | None = None,
) -> float | None:
    """KR-20 = k/(k-1)·(1 - Σ p_i q_i / σ_X²) from item difficulties (§1.4, §2.5).

    σ_X² is the *population* variance of the totals: pass it as ``total_variance`` or pass the
    ``totals`` themselves (their population variance is used). Returns None when k < 2 or
    σ_X² = 0. The Wuensch example (§2.5) gives 0.696347.
    """
    if (total_variance is None) == (totals is None):
        raise ValueError("give exactly one of total_variance or totals")
    k = len(p_values)
    if any(not 0.0 <= p <= 1.0 for p in p_values):
        raise ValueError("every p must be a proportion in [0, 1]")
    variance = total_variance if totals is None else _population_variance(totals)
    if k < 2 or not variance:
        return None
    sum_pq = math.fsum(p * (1 - p) for p in p_values)
    return k / (k - 1) * (1 - sum_pq / variance)


def kr21_from_summary(k: int, mean: float, total_variance: float) -> float | None:
    """KR-21 = k/(k-1)·(1 - M(k-M)/(k σ_X²)), σ_X² the population variance (a lower bound)."""
    if k < 2 or not total_variance:
        return None
    return k / (k - 1) * (1 - mean * (k - mean) / (k * total_variance))


# --------------------------------------------------------------------------------------------
# Item and test analysis over a score matrix
# --------------------------------------------------------------------------------------------


def upper_lower_groups(totals: Sequence[float]) -> tuple[list[int], list[int]]:
    """Row indices of the (upper, lower) groups, each of n_g = round(0.27·N) examinees.

    n_g rounds half up, in exact integer arithmetic: n_g = ⌊(27·N + 50) / 100⌋.
    Tie-break rule: examinees are ranked by (total score, row order) ascending, so among equal
    totals the row listed earlier ranks lower. The lower group is the first n_g of that ranking
    and the upper group the last n_g; the two never overlap because n_g ≤ N/2. Both lists are
    empty when n_g = 0 (N < 2).
    """
    n = len(totals)
    n_g = (UPPER_LOWER_FRACTION * n + 50) // 100
    if n_g == 0:
        return [], []
    ranking = sorted(range(n), key=lambda a: (totals[a], a))
    return ranking[-n_g:], ranking[:n_g]


def _validate_matrix(
    scores: Sequence[Sequence[float]],
    items: Sequence[Item],
    choices: Sequence[Sequence[str | None]] | None,
) -> None:
    p = len(items)
    names = [item.name for item in items]
    if len(set(names)) != len(names):
        raise ValueError("item names must be unique")
    for a, row in enumerate(scores):
        if len(row) != p:
            raise ValueError(f"examinee row {a} has {len(row)} marks, expected {p}")
        for i, mark in enumerate(row):
            if not isinstance(mark, numbers.Real) or not math.isfinite(mark):
                raise ValueError(
                    f"examinee row {a}, item {names[i]}: mark {mark!r} is not a number"
                )
            if not 0 <= mark <= items[i].max_mark:
                limit = items[i].max_mark
                raise ValueError(
                    f"examinee row {a}, item {names[i]}: mark {mark} not in [0, {limit}]"
                )
    if choices is not None:
        if len(choices) != len(scores):
            raise ValueError("choices must have one row per examinee")
        for a, row in enumerate(choices):
            if len(row) != p:
                raise ValueError(f"choices row {a} has {len(row)} cells, expected {p}")


def _item_options(item: Item, column: Sequence[str | None]) -> list[str]:
    if item.options is not None:
        options = list(item.options)
    else:
        options = sorted({c for c in column if c is not None})
    if item.key is not None and item.key not in options:
        options.append(item.key)
    for chosen in column:
        if chosen is not None and chosen not in options:
            options.append(chosen)
    return options


def _distractor_table(
    item: Item, column: Sequence[str | None], upper: Sequence[int], lower: Sequence[int]
) -> list[DistractorStats]:
    n = len(column)
    rows = []
    for option in _item_options(item, column):
        count = sum(1 for c in column if c == option)
        rows.append(
            DistractorStats(
                option=option,
                is_key=option == item.key,
                count=count,
                proportion=count / n if n else None,
                upper=sum(1 for a in upper if column[a] == option) / len(upper) if upper else None,
                lower=sum(1 for a in lower if column[a] == option) / len(lower) if lower else None,
            )
        )
    return rows


def _item_flags(stats: ItemStats, item_is_constant: bool, key: str | None) -> list[str]:
    flags = []
    if stats.facility is not None:
        if stats.facility < FACILITY_TOO_HARD:
            flags.append("too_hard")
        elif stats.facility > FACILITY_TOO_EASY:
            flags.append("too_easy")
    di = stats.discrimination_index
    if (di is not None and di < LOW_DISCRIMINATION) or (stats.n > 0 and item_is_constant):
        # An item everyone scored the same on cannot discriminate, although r is undefined.
        flags.append("low_discrimination")
    if key is not None and stats.distractors:
        key_row = next(row for row in stats.distractors if row.is_key)
        for row in stats.distractors:
            if not row.is_key and row.count == 0:
                flags.append(f"nonfunctional_distractor:{row.option}")
        for row in stats.distractors:
            if row.is_key or row.upper is None or key_row.upper is None:
                continue
            if row.upper > key_row.upper:
                flags.append(f"possible_miskey:{row.option}")
    return flags


def analyse_scores(
    scores: Sequence[Sequence[float]],
    items: Sequence[Item] | None = None,
    choices: Sequence[Sequence[str | None]] | None = None,
) -> AnalysisResult:
    """Item and test statistics of a score matrix (examinees × items, marks in [0, max_mark]).

    ``items`` names the items and gives each one's max_mark (default 1), key and options;
    without it the items are called "1", "2", … with max_mark 1. ``choices`` (same shape as
    ``scores``, None = omitted) enables the distractor table and the distractor flags of the
    items that have a key; an item's options are its declared ``options`` or else the options
    chosen by someone, plus the key. Raises ValueError on a ragged matrix or a mark outside
    [0, max_mark].

    Per item (x = item mark, X = total, O = X - x the rest of the test):
    facility = x̄ / max_mark; sd with n - 1; discrimination_index = r(x, O);
    discriminative_efficiency = cov(x, O) / covmax (Moodle); upper_lower_d = (mean mark of the
    upper group - mean mark of the lower group) / max_mark with the groups of
    ``upper_lower_groups``; point_biserial = r(x, X); alpha_if_deleted = α of the other items.
    Flags: "too_hard" (facility < 0.2), "too_easy" (> 0.95), "low_discrimination"
    (discrimination_index < 0.2, or the item's marks are all equal),
    "nonfunctional_distractor:<opt>" (a wrong option chosen by nobody),
    "possible_miskey:<opt>" (a wrong option chosen by a larger share of the upper group than the
    key).
    """
    if items is None:
        width = len(scores[0]) if scores else 0
        items = [Item(name=str(i + 1)) for i in range(width)]
    items = list(items)
    _validate_matrix(scores, items, choices)

    p = len(items)
    columns = [[float(row[i]) for row in scores] for i in range(p)]
    totals = [math.fsum(float(v) for v in row) for row in scores]
    upper, lower = upper_lower_groups(totals)
    item_stats = [
        _one_item_stats(i, item, columns, totals, upper, lower, choices)
        for i, item in enumerate(items)
    ]
    return AnalysisResult(test=_test_stats(columns, totals, items), items=item_stats)


def _one_item_stats(
    i: int,
    item: Item,
    columns: list[list[float]],
    totals: Sequence[float],
    upper: Sequence[int],
    lower: Sequence[int],
    choices: Sequence[Sequence[str | None]] | None,
) -> ItemStats:
    """The statistics, distractor table and flags of item ``i`` (see ``analyse_scores``)."""
    s = len(totals)
    x = columns[i]
    others = [t - v for t, v in zip(totals, x, strict=True)]
    variance = _sample_var(x) if s else None
    if s and upper:
        d = (_mean([x[a] for a in upper]) - _mean([x[a] for a in lower])) / item.max_mark
    else:
        d = None
    stats = ItemStats(
        item=item.name,
        n=s,
        facility=_mean(x) / item.max_mark if s else None,
        sd=math.sqrt(variance) if variance is not None else None,
        discrimination_index=_pearson(x, others),
        discriminative_efficiency=_discriminative_efficiency(x, others),
        upper_lower_d=d,
        point_biserial=_pearson(x, totals),
        alpha_if_deleted=_cronbach_alpha(columns[:i] + columns[i + 1 :], others),
    )
    if choices is not None:
        column = [row[i] for row in choices]
        stats.distractors = _distractor_table(item, column, upper, lower)
    stats.flags = _item_flags(stats, bool(s) and _is_constant(x), item.key)
    return stats


def _test_stats(
    columns: Sequence[Sequence[float]], totals: Sequence[float], items: Sequence[Item]
) -> TestStats:
    """Test statistics as Moodle's quiz calculator computes them (§1.3)."""
    s = len(totals)
    p = len(items)
    stats = TestStats(s, p, None, None, None, None, None, None, None, None)
    if s == 0:
        return stats
    stats.mean = _mean(totals)
    stats.median = _median(totals)
    if s < 2:
        return stats
    power2 = _sum_sq_dev(totals)
    stats.sd = math.sqrt(power2 / (s - 1))
    if power2 == 0.0:
        return stats  # every shape and reliability statistic divides by the total variance
    mean = stats.mean
    m2 = power2 / s
    m3 = math.fsum((t - mean) ** 3 for t in totals) / s
    m4 = math.fsum((t - mean) ** 4 for t in totals) / s
    k2 = s * m2 / (s - 1)
    if s > 2:
        k3 = s * s * m3 / ((s - 1) * (s - 2))
        stats.skewness = k3 / k2**1.5
    if s > 3:
        k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
        stats.kurtosis = k4 / (k2 * k2)
    stats.alpha = _cronbach_alpha(columns, totals)
    if stats.alpha is not None:
        # Moodle's standard error = SD·√(1 - α); a negative α gives an SEM larger than the SD.
        stats.sem = stats.sd * math.sqrt(1 - stats.alpha)
    dichotomous = all(
        item.max_mark == 1 and all(v in (0.0, 1.0) for v in col)
        for item, col in zip(items, columns, strict=True)
    )
    if dichotomous and p > 1 and s > 2:
        stats.kr20 = kr20_from_summary([_mean(col) for col in columns], totals=totals)
    return stats


# --------------------------------------------------------------------------------------------
# The responses CSV format
# --------------------------------------------------------------------------------------------


def parse_responses_csv(text: str) -> ResponseSet:
    """Parse ``examinee,ITEM1,…`` / ``key,A,…`` / one row per examinee into a ResponseSet.

    The header's first cell is ``examinee``; the other cells name the items (unique, non-empty).
    Exactly one row has ``key`` as its first cell and holds each item's keyed option. An
    optional row whose first cell is ``options`` lists each item's options separated by ``|``
    (for example ``A|B|C|D``); without it every item's options are all the options that appear
    anywhere in the file (keys included), so a distractor nobody chose is still listed. Every
    other row is an examinee (unique id) with the option chosen per item; an empty cell is an
    omitted answer, scored 0. Cells are stripped of surrounding spaces; options are
    case-sensitive. Blank lines are ignored. Raises ResponsesFileInvalid naming the line.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = _read_response_rows(text)
    if rows.header is None:
        raise ResponsesFileInvalid("the file is empty: expected a header examinee,ITEM1,…", 1)
    if rows.key_row is None:
        raise ResponsesFileInvalid("no key row (a row whose first cell is 'key')")
    if not rows.examinees:
        raise ResponsesFileInvalid("no examinee rows")
    items = _response_items(rows)
    chosen, examinees = rows.chosen, rows.examinees
    scores = tuple(
        tuple(1.0 if row[i] == items[i].key else 0.0 for i in range(len(items))) for row in chosen
    )
    return ResponseSet(
        items=tuple(items),
        examinees=tuple(examinees),
        choices=tuple(tuple(row) for row in chosen),
        scores=scores,
    )


@dataclass
class _ResponseRows:
    """The rows of a responses CSV as read, before the items are checked against the key."""

    header: list[str] | None = None
    key_row: list[str] | None = None
    options_row: list[str] | None = None
    key_line: int = 0
    options_line: int = 0
    examinees: list[str] = field(default_factory=list)
    chosen: list[list[str | None]] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)


def _read_response_rows(text: str) -> _ResponseRows:
    """Read the header, key, options and examinee rows, raising on a malformed row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _ResponseRows()
    try:
        for raw in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in raw]
            if not any(cells):
                continue
            if rows.header is None:
                rows.header = _parse_header(cells, line)
                continue
            if len(cells) != len(rows.header):
                raise ResponsesFileInvalid(
                    f"{len(cells)} cells but the header has {len(rows.header)}", line
                )
            _read_response_row(rows, cells, line)
    except csv.Error as exc:
        raise ResponsesFileInvalid(f"not valid CSV ({exc})", reader.line_num) from exc
    return rows


def _read_response_row(rows: _ResponseRows, cells: list[str], line: int) -> None:
    """Record one body row: the key row, the options row or an examinee's choices."""
    first, rest = cells[0], cells[1:]
    if first.lower() == "key":
        if rows.key_row is not None:
            raise ResponsesFileInvalid("a second key row", line)
        for name, value in zip(rows.header[1:], rest, strict=True):
            if not value:
                raise ResponsesFileInvalid(f"item {name!r} has no key", line)
        rows.key_row, rows.key_line = rest, line
    elif first.lower() == "options":
        if rows.options_row is not None:
            raise ResponsesFileInvalid("a second options row", line)
        rows.options_row, rows.options_line = rest, line
    else:
        if not first:
            raise ResponsesFileInvalid("an examinee row without an examinee id", line)
        if first in rows.seen:
            raise ResponsesFileInvalid(
                f"examinee {first!r} already appears on line {rows.seen[first]}", line
            )
        rows.seen[first] = line
        rows.examinees.append(first)
        rows.chosen.append([value or None for value in rest])


def _response_items(rows: _ResponseRows) -> list[Item]:
    """The items with their key and options, checking every key and choice is an option."""
    names = rows.header[1:]
    key_row, chosen = rows.key_row, rows.chosen
    if rows.options_row is not None:
        declared = [
            _parse_options(cell, name, rows.options_line)
            for cell, name in zip(rows.options_row, names, strict=True)
        ]
    else:
        everywhere = {v for row in chosen for v in row if v is not None} | set(key_row)
        declared = [tuple(sorted(everywhere))] * len(names)
    items = []
    for i, name in enumerate(names):
        options = declared[i]
        if key_row[i] not in options:
            raise ResponsesFileInvalid(
                f"item {name!r}: key {key_row[i]!r} is not among its options", rows.key_line
            )
        for a, row in enumerate(chosen):
            if row[i] is not None and row[i] not in options:
                raise ResponsesFileInvalid(
                    f"item {name!r}: option {row[i]!r} is not among its options",
                    rows.seen[rows.examinees[a]],
                )
        items.append(Item(name=name, max_mark=1.0, key=key_row[i], options=options))
    return items


def _parse_header(cells: list[str], line: int) -> list[str]:
    if cells[0].lower() != "examinee":
        raise ResponsesFileInvalid(
            f"the header must start with 'examinee', found {cells[0]!r}", line
        )
    names = cells[1:]
    if not names:
        raise ResponsesFileInvalid("the header names no items", line)
    seen: set[str] = set()
    for position, name in enumerate(names, start=2):
        if not name:
            raise ResponsesFileInvalid(f"header column {position} has no item name", line)
        if name in seen:
            raise ResponsesFileInvalid(f"duplicate item name {name!r}", line)
        if name.lower() in ("key", "options"):
            raise ResponsesFileInvalid(f"{name!r} cannot be an item name", line)
        seen.add(name)
    return cells


def _parse_options(cell: str, name: str, line: int) -> tuple[str, ...]:
    options = tuple(option.strip() for option in cell.split("|"))
    if not cell or any(not option for option in options) or len(set(options)) != len(options):
        raise ResponsesFileInvalid(
            f"item {name!r}: options must be distinct, non-empty and separated by '|'", line
        )
    return options


def analyse_responses(responses: ResponseSet) -> AnalysisResult:
    """Analyse a parsed responses file (dichotomous scoring against the key)."""
    return analyse_scores(responses.scores, responses.items, responses.choices)


def analyse_responses_csv(text: str) -> dict[str, Any]:
    """Parse and analyse a responses CSV (see ``parse_responses_csv``); returns the JSON dict."""
    return analyse_responses(parse_responses_csv(text)).to_dict()


# --------------------------------------------------------------------------------------------
# Standard setting (§3)
# --------------------------------------------------------------------------------------------


@dataclass
class AngoffResult:
    """A modified Angoff panel's cut score, in marks and as a % of the maximum."""

    judges: int
    items: int
    max_score: float
    judge_cuts: list[float]
    item_means: list[float]
    cut_score: float
    cut_percent: float
    cut_score_whole: int
    sd_judge_cuts: float | None
    standard_error: float | None


def modified_angoff(
    ratings: Sequence[Sequence[float]], max_marks: Sequence[float] | None = None
) -> AngoffResult:
    """Modified Angoff (§3.1) from judges × items ratings.

    A rating is the probability that a minimally competent candidate answers the item correctly
    (in [0, 1]); for an item worth more than one mark (``max_marks``), the expected mark in
    [0, max_mark]. Judge cut C_j = Σ_i p_ij; cut C = mean of the C_j; SD(C_j) divides by J - 1
    and SE_C = SD(C_j)/√J (None for a single judge); cut_percent = 100·C / Σ max_marks;
    cut_score_whole = C rounded up to a whole mark. Raises ValueError on bad input.
    """
    if not ratings:
        raise ValueError("at least one judge is needed")
    k = len(ratings[0])
    if k == 0:
        raise ValueError("at least one item is needed")
    maxima = [1.0] * k if max_marks is None else [float(m) for m in max_marks]
    if len(maxima) != k or any(m <= 0 for m in maxima):
        raise ValueError("max_marks must give a positive maximum for every item")
    for j, row in enumerate(ratings):
        if len(row) != k:
            raise ValueError(f"judge {j + 1} rated {len(row)} items, expected {k}")
        for i, rating in enumerate(row):
            if not math.isfinite(rating) or not 0 <= rating <= maxima[i]:
                raise ValueError(f"judge {j + 1}, item {i + 1}: rating {rating} out of range")
    judge_cuts = [math.fsum(row) for row in ratings]
    n_judges = len(ratings)
    cut = _mean(judge_cuts)
    variance = _sample_var(judge_cuts)
    sd = math.sqrt(variance) if variance is not None else None
    max_score = math.fsum(maxima)
    return AngoffResult(
        judges=n_judges,
        items=k,
        max_score=max_score,
        judge_cuts=judge_cuts,
        item_means=[_mean([row[i] for row in ratings]) for i in range(k)],
        cut_score=cut,
        cut_percent=100 * cut / max_score,
        cut_score_whole=math.ceil(round(cut, 9)),  # 3.0000000000000004 must stay 3
        sd_judge_cuts=sd,
        standard_error=sd / math.sqrt(n_judges) if sd is not None else None,
    )


@dataclass(frozen=True)
class HofsteeJudgement:
    """One judge's acceptable ranges: cut score in % correct, fail rate in % of candidates."""

    c_min: float
    c_max: float
    f_min: float
    f_max: float


@dataclass
class HofsteeScanRow:
    """The empirical fail rate F(c) and the compromise line F_line(c) at a whole cut c (%)."""

    cut: int
    fail_rate: float
    line: float


@dataclass
class HofsteeResult:
    """The Hofstee compromise: ``cut`` is None when the curve and the line do not intersect."""

    c_min: float
    c_max: float
    f_min: float
    f_max: float
    cut: int | None
    fail_rate: float | None
    pass_rate: float | None
    no_intersection: str | None  # "curve_above_line" or "curve_below_line"
    fallback_cut: float | None
    scan: list[HofsteeScanRow]


def _exact(value: float | int | Fraction) -> Fraction:
    """Decimal-exact value of an input, so that 25.0 % ≥ 25.0 % is decided without float noise."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return Fraction(repr(value))
    return Fraction(value)


def _hofstee_means(
    judgements: Sequence[HofsteeJudgement | Mapping[str, float]],
) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """The judges' mean C_min, C_max, F_min and F_max, exact; raises ValueError if out of order."""
    rows = [
        j if isinstance(j, HofsteeJudgement) else HofsteeJudgement(**dict(j)) for j in judgements
    ]
    count = len(rows)
    c_min = sum((_exact(j.c_min) for j in rows), Fraction(0)) / count
    c_max = sum((_exact(j.c_max) for j in rows), Fraction(0)) / count
    f_min = sum((_exact(j.f_min) for j in rows), Fraction(0)) / count
    f_max = sum((_exact(j.f_max) for j in rows), Fraction(0)) / count
    if not (0 <= c_min < c_max <= 100 and 0 <= f_min <= f_max <= 100):
        raise ValueError("need 0 ≤ C_min < C_max ≤ 100 and 0 ≤ F_min ≤ F_max ≤ 100 (means)")
    return c_min, c_max, f_min, f_max


def _hofstee_scan(
    c_min: Fraction,
    c_max: Fraction,
    fail_rate: Callable[[Fraction], Fraction],
    line: Callable[[Fraction], Fraction],
) -> tuple[list[HofsteeScanRow], int | None]:
    """Each whole cut in [⌈C_min⌉, ⌊C_max⌋] with F(c) and F_line(c), and the first that meets it."""
    scan = []
    cut = None
    for c in range(math.ceil(c_min), math.floor(c_max) + 1):
        f, target = fail_rate(Fraction(c)), line(Fraction(c))
        scan.append(HofsteeScanRow(cut=c, fail_rate=float(f), line=float(target)))
        if cut is None and f >= target:
            cut = c
    return scan, cut


def hofstee(
    judgements: Sequence[HofsteeJudgement | Mapping[str, float]],
    scores: Sequence[float],
    max_score: float = 100,
) -> HofsteeResult:
    """Hofstee compromise cut (§3.2), in % correct.

    C_min, C_max, F_min and F_max are the means over the judges. ``scores`` are the observed
    candidate scores out of ``max_score`` (default 100, i.e. already in %). With F(c) = 100 ·
    #(score < c)/N and F_line(c) = F_max - (F_max - F_min)(c - C_min)/(C_max - C_min):

    * cut = the smallest whole c in [⌈C_min⌉, ⌊C_max⌋] with F(c) ≥ F_line(c); a candidate
      passes if score ≥ c. All comparisons are exact (rational arithmetic).
    * No intersection → cut None, and ``no_intersection`` says which way, with the fallback the
      panel would otherwise use: "curve_above_line" when F(C_min) > F_max already (more fail at
      the lowest acceptable cut than is acceptable; fallback C_min), "curve_below_line" when no
      whole c in the range reaches the line (fallback C_max). Either way the panel revises.
    """
    if not judgements:
        raise ValueError("at least one judgement is needed")
    if not scores:
        raise ValueError("at least one candidate score is needed")
    c_min, c_max, f_min, f_max = _hofstee_means(judgements)
    top = _exact(max_score)
    if top <= 0:
        raise ValueError("max_score must be positive")
    exact_scores = [_exact(v) for v in scores]
    n = len(exact_scores)

    def fail_rate(c: Fraction) -> Fraction:
        # score/max_score·100 < c  ⇔  100·score < c·max_score, exact for rationals
        return Fraction(100 * sum(1 for v in exact_scores if 100 * v < c * top), n)

    def line(c: Fraction) -> Fraction:
        return f_max - (f_max - f_min) * (c - c_min) / (c_max - c_min)

    scan, cut = _hofstee_scan(c_min, c_max, fail_rate, line)
    no_intersection = None
    fallback = None
    if fail_rate(c_min) > f_max:
        cut, no_intersection, fallback = None, "curve_above_line", float(c_min)
    elif cut is None:
        no_intersection, fallback = "curve_below_line", float(c_max)
    fail = float(fail_rate(Fraction(cut))) if cut is not None else None
    return HofsteeResult(
        c_min=float(c_min),
        c_max=float(c_max),
        f_min=float(f_min),
        f_max=float(f_max),
        cut=cut,
        fail_rate=fail,
        pass_rate=100 - fail if fail is not None else None,
        no_intersection=no_intersection,
        fallback_cut=fallback,
        scan=scan,
    )


# --------------------------------------------------------------------------------------------
# Plain-text rendering for the CLI
# --------------------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


_LEFT_ALIGNED = frozenset({"item", "option", "flags"})


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to width; names and flags left-aligned, numbers right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    left = [h in _LEFT_ALIGNED for h in headers]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(w) if is_left else cell.rjust(w)
            for cell, w, is_left in zip(cells, widths, left, strict=True)
        ]
        return "  ".join(padded).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def render_table(result: AnalysisResult | Mapping[str, Any]) -> str:
    """Plain-text report of an analysis (an AnalysisResult or its ``to_dict()`` form)."""
    data = result.to_dict() if isinstance(result, AnalysisResult) else result
    out = ["Test statistics"]
    out += _test_table(data["test"])
    out += ["", "Item statistics (fractions; DI = item-rest r, DE = discriminative efficiency)"]
    out += _item_table(data["items"])
    distractor_rows = _distractor_rows(data["items"])
    if distractor_rows:
        out += ["", "Distractors (* = key; upper/lower = share of the 27% groups choosing it)"]
        out += _table(["item", "option", "count", "share", "upper", "lower"], distractor_rows)
    return "\n".join(out) + "\n"


_TEST_COLUMNS = (
    "n",
    "items",
    "mean",
    "median",
    "sd",
    "skewness",
    "kurtosis",
    "alpha",
    "kr20",
    "sem",
)


def _test_table(test: Mapping[str, Any]) -> list[str]:
    """The one-row table of test statistics."""
    return _table(list(_TEST_COLUMNS), [[_fmt(test[key]) for key in _TEST_COLUMNS]])


def _item_table(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """The table of item statistics, one row per item."""
    exposed = any(item.get("exposure") is not None for item in items)
    item_rows = [
        [
            str(item["item"]),
            *([_fmt(item.get("exposure"))] if exposed else []),
            _fmt(item["n"]),
            _fmt(item["facility"]),
            _fmt(item["sd"]),
            _fmt(item["discrimination_index"]),
            _fmt(item["discriminative_efficiency"]),
            _fmt(item["upper_lower_d"]),
            _fmt(item["point_biserial"]),
            _fmt(item["alpha_if_deleted"]),
            ", ".join(item["flags"]),
        ]
        for item in items
    ]
    head = ["item", *(["exposure"] if exposed else []), "n", "facility", "sd", "DI", "DE"]
    return _table([*head, "U-L D", "r_pb", "alpha-del", "flags"], item_rows)


def _distractor_rows(items: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The cells of the distractor table: one row per option of each item that has them."""
    return [
        [
            str(item["item"]),
            str(row["option"]) + (" *" if row["is_key"] else ""),
            _fmt(row["count"]),
            _fmt(row["proportion"]),
            _fmt(row["upper"]),
            _fmt(row["lower"]),
        ]
        for item in items
        for row in item["distractors"]
    ]
