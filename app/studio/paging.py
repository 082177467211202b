"""Pagination and text search of the studio's lists, driven by the query string.

Each list has its own parameters (``q`` and ``page`` for the questions, ``cq`` and ``cpage``
for the cases, …) so that the lists of one page page independently. A page number is clamped
to the list's pages (``page=10**30`` shows the last page); a search text is bounded in length
and may not hold control characters (a NUL is refused with a message, the list unfiltered).
A page costs two queries (a count and the page's rows), whatever its number; a list already
in memory (the item analysis's items) is paged by ``page_of``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import gettext as _

PAGE_SIZE = 25
MAX_QUERY_CHARS = 100
MAX_PAGE_DIGITS = 9  # a larger number is clamped to the last page anyway


@dataclass
class ListArgs:
    """One list's search text and page number, read from the query string."""

    q: str = ""
    number: int = 1
    problem: str = ""
    names: tuple[str, str] = ("q", "page")


@dataclass
class Page:
    items: list[Any]
    number: int
    size: int
    total: int
    args: ListArgs = field(default_factory=ListArgs)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)


def _page_number(raw: str | None) -> int:
    raw = (raw or "").strip()
    if not raw.isdigit() or not raw.isascii():
        return 1
    if len(raw) > MAX_PAGE_DIGITS:
        return 10**MAX_PAGE_DIGITS  # clamped to the last page by ``paginate``
    return max(1, int(raw))


def list_args(args: Mapping[str, str], q_name: str = "q", page_name: str = "page") -> ListArgs:
    """The search text and page of one list; a refused text is ``problem`` (and not used)."""
    q = args.get(q_name, "") or ""
    out = ListArgs(number=_page_number(args.get(page_name)), names=(q_name, page_name))
    if any(ord(c) < 32 for c in q):
        out.problem = _("The search text holds a control character: type plain text.")
        return out
    if len(q) > MAX_QUERY_CHARS:
        out.problem = _("The search text is too long: at most %(n)s characters.", n=MAX_QUERY_CHARS)
        return out
    out.q = q.strip()
    return out


def like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere (its wildcards escaped with ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(column: Any, text: str) -> Any:
    return sa.func.lower(column).like(like(text.lower()), escape="\\")


def _clamped(args: ListArgs, total: int, size: int) -> int:
    """The page number ``args`` asks for, within the pages of a list of ``total`` rows."""
    return min(max(1, args.number), Page([], 1, size, total).pages)


def paginate(
    session: Session, stmt: sa.Select, args: ListArgs, size: int = PAGE_SIZE, scalars: bool = False
) -> Page:
    """The page ``args.number`` of ``stmt`` (clamped to its pages): a count, then the rows."""
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    total = int(total or 0)
    number = _clamped(args, total, size)
    query = stmt.limit(size).offset((number - 1) * size)
    rows = list(session.scalars(query)) if scalars else list(session.execute(query).all())
    return Page(items=rows, number=number, size=size, total=total, args=args)


def page_of(items: Sequence[Any], args: ListArgs, size: int = PAGE_SIZE) -> Page:
    """The page ``args.number`` of a list in memory (clamped to its pages, as ``paginate``)."""
    number = _clamped(args, len(items), size)
    shown = list(items[(number - 1) * size : number * size])
    return Page(items=shown, number=number, size=size, total=len(items), args=args)
