"""Parse an enrolment CSV (pure: bytes in, rows or located problems out).

Format: a header line naming the columns ``email`` and ``program`` and optionally
``cohort`` (any order, any case), then one trainee per line. UTF-8 (a byte-order mark is
allowed), at most ``MAX_BYTES`` and ``MAX_ROWS`` rows. Hostile bytes are refused: NUL and
other control characters, invalid UTF-8, unpaired surrogates.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from app.i18n import gettext as _

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
REQUIRED = ("email", "program")
OPTIONAL = ("cohort",)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    line: int  # 1: the header
    column: str  # a column name, or "" for the whole line
    message: str

    def __str__(self) -> str:
        if self.column:
            return _(
                "line %(line)s, column %(column)s: %(message)s",
                line=self.line,
                column=self.column,
                message=self.message,
            )
        return _("line %(line)s: %(message)s", line=self.line, message=self.message)


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    program: str
    cohort: str


class CsvInvalid(Exception):
    """The file was refused; ``problems`` locates each one. Nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvInvalid(
            [Problem(0, "", _("the file is larger than %(max)s bytes", max=MAX_BYTES))]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvInvalid([Problem(line, "", _("the file is not UTF-8 text"))]) from None
    for number, line_text in enumerate(text.splitlines(), start=1):
        if _CONTROL.search(line_text):
            raise CsvInvalid([Problem(number, "", _("control characters are not allowed"))])
    return text


def _header(names: list[str]) -> tuple[dict[str, int], list[Problem]]:
    columns = {name.strip().lower(): i for i, name in enumerate(names)}
    problems = [
        Problem(1, "", _("unknown column %(name)s", name=repr(name.strip())))
        for name in names
        if name.strip().lower() not in REQUIRED + OPTIONAL
    ]
    problems += [
        Problem(1, "", _("the column %(name)s is missing", name=repr(c)))
        for c in REQUIRED
        if c not in columns
    ]
    if len(columns) != len(names):
        problems.append(Problem(1, "", _("a column is named twice")))
    return columns, problems


def _row(line: int, cells: list[str], columns: dict[str, int]) -> tuple[Row | None, list[Problem]]:
    if len(cells) > len(columns):
        found = _(
            "%(cells)s cells, the header has %(columns)s", cells=len(cells), columns=len(columns)
        )
        return None, [Problem(line, "", found)]

    def cell(name: str) -> str:
        i = columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    email, program, cohort = cell("email").lower(), cell("program"), cell("cohort")
    problems = []
    if not email:
        problems.append(Problem(line, "email", _("is empty")))
    elif len(email) > 254 or not _EMAIL.match(email):
        problems.append(
            Problem(line, "email", _("%(email)s is not an e-mail address", email=repr(email[:60])))
        )
    if not program:
        problems.append(Problem(line, "program", _("is empty")))
    if problems:
        return None, problems
    return Row(line, email, program, cohort), []


def parse(data: bytes) -> list[Row]:
    """The rows of an enrolment CSV, or CsvInvalid with every problem located."""
    rows, problems = parse_rows(data)
    if problems:
        raise CsvInvalid(problems)
    return rows


def parse_rows(data: bytes) -> tuple[list[Row], list[Problem]]:
    """The well-formed rows and the problems of the others (CsvInvalid at once for what spoils
    the whole file: its size, encoding, control characters, CSV syntax, header)."""
    reader = csv.reader(io.StringIO(decode(data), newline=""), strict=True)
    try:
        lines = [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise CsvInvalid(
            [Problem(reader.line_num, "", _("not valid CSV (%(error)s)", error=str(exc)))]
        ) from None
    if not lines:
        raise CsvInvalid([Problem(1, "", _("the file is empty: a header line is required"))])
    columns, problems = _header(lines[0][1])
    if problems:
        raise CsvInvalid(problems)
    rows, seen = [], {}
    for line, cells in lines[1:]:
        if not any(c.strip() for c in cells):
            continue
        row, found = _row(line, cells, columns)
        problems += found
        if row is None:
            continue
        key = (row.email, row.program)
        if key in seen:
            problems.append(Problem(line, "email", _("repeats line %(line)s", line=seen[key])))
        seen.setdefault(key, line)
        rows.append(row)
    if len(rows) > MAX_ROWS:
        problems.append(Problem(0, "", _("more than %(max)s rows", max=MAX_ROWS)))
    if not rows and not problems:
        problems.append(Problem(2, "", _("no trainee to enrol")))
    return rows, problems
