"""CSV export of the cohort, safe to open in a spreadsheet. Pure (no Flask, no SQLAlchemy)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """The cell as text; one that a spreadsheet would run as a formula gets a leading quote.

    OWASP "CSV injection": cells starting with = + - @ (or a tab / carriage return) are
    prefixed with ``'`` so that Excel, LibreOffice and Sheets show them as text.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return out.getvalue()
