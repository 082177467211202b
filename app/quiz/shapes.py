"""What a save needs of an attempt item, kept per worker (issue 19: the save path).

An attempt item's attempt, owner, question version, display order and case step never change
once the attempt is drawn, and a question version's content is immutable (a correction is a
new version). So after the first save of an item, a worker keeps them here and the next saves
of that item validate the answer without reading it again: the save is one conditional
``UPDATE`` that checks the item's seq, the attempt's owner, state and deadline together
(``services.save_response``). The ``UPDATE`` also names the attempt (id and start time) and
the version it expects, so a stale entry (an id reused after a deletion on SQLite) matches no
row and the save takes the full path, which reads everything and refreshes the entry.

The question object is shared between requests of a worker: callers only read it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.banks.schema import Mode
from app.questions.base import QuestionBase

MAX_ITEMS = 20_000
"""Entries kept per worker (the least recently used go first): a few thousand open exams."""


@dataclass(frozen=True)
class ItemShape:
    attempt_id: int
    started_at: datetime  # with the id, names the attempt even if SQLite reuses a deleted id
    user_id: int
    version_id: int
    mode: Mode
    case_step: int | None
    question: QuestionBase
    display: dict[str, Any]


_items: OrderedDict[int, ItemShape] = OrderedDict()
_lock = threading.Lock()


def get(item_id: int) -> ItemShape | None:
    with _lock:
        shape = _items.get(item_id)
        if shape is not None:
            _items.move_to_end(item_id)
        return shape


def remember(item_id: int, shape: ItemShape) -> None:
    with _lock:
        _items[item_id] = shape
        _items.move_to_end(item_id)
        while len(_items) > MAX_ITEMS:
            _items.popitem(last=False)


def forget_all() -> None:
    """Empty the cache (tests; nothing in the app needs it: the entries never go stale)."""
    with _lock:
        _items.clear()
