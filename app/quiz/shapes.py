"""What a save needs of an attempt item, kept per worker (issue 19: the save path).

An attempt item's attempt, owner, question version, display order and case step never change
once the attempt is drawn, and a question version's content is immutable (a correction is a
new version). So after the first save of an item, a worker keeps them here and the next saves
of that item validate the answer without reading it again: the save is one conditional
``UPDATE`` that checks the item's seq, the attempt's owner, state and deadline together
(``services.save_response``). The ``UPDATE`` also names the attempt (id and start time) and
the version it expects, so a stale entry (an id reused after a deletion on SQLite) matches no
row and the save takes the full path, which reads everything and refreshes the entry.

The HTML saves (the page's fetch and the form) name an item by its position: the entries
that know theirs are also found by (attempt, position), with the attempt's number of items.
And a worker notes the answer an item held at a seq (``answer_at``): every change of an answer
moves its seq, so the pair stays true; it lets a save by position tell a changed answer from an
unchanged one without reading the item, the ``UPDATE``'s seq check confirming it.

The question object is shared between requests of a worker: callers only read it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.banks.schema import Mode
from app.questions.base import QuestionBase

if TYPE_CHECKING:
    from app.quiz.models import Attempt, AttemptItem

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
    position: int | None = None  # known to the saves by position (and the attempt's items)
    items: int | None = None


def of(
    attempt: Attempt, item: AttemptItem, question: QuestionBase, items: int | None = None
) -> ItemShape:
    """The shape of an attempt's item; given the attempt's number of items, also with the
    item's position, so that the saves by position find it."""
    return ItemShape(
        attempt.id,
        attempt.started_at,
        attempt.user_id,
        item.question_version_id,
        attempt.mode,
        item.case_step,
        question,
        dict(item.display),
        None if items is None else item.position,
        items,
    )


_items: OrderedDict[int, ItemShape] = OrderedDict()
_by_position: dict[tuple[int, int], int] = {}
_answers: dict[int, tuple[int, dict[str, Any] | None]] = {}  # item id -> (seq, its answer)
_lock = threading.Lock()


def get(item_id: int) -> ItemShape | None:
    with _lock:
        shape = _items.get(item_id)
        if shape is not None:
            _items.move_to_end(item_id)
        return shape


def at(attempt_id: int, position: int) -> tuple[int, ItemShape] | None:
    """The item at ``position`` of the attempt, with its shape, when this worker knows it."""
    with _lock:
        item_id = _by_position.get((attempt_id, position))
        if item_id is None or item_id not in _items:
            return None
        shape = _items[item_id]
        if (shape.attempt_id, shape.position) != (attempt_id, position):
            return None
        _items.move_to_end(item_id)
        return item_id, shape


def remember(item_id: int, shape: ItemShape) -> None:
    with _lock:
        old = _items.get(item_id)
        if shape.position is None and old is not None and old.position is not None:
            same = (old.attempt_id, old.started_at, old.version_id)
            if same == (shape.attempt_id, shape.started_at, shape.version_id):
                shape = replace(shape, position=old.position, items=old.items)
        if old is not None and (old.attempt_id, old.position) != (shape.attempt_id, shape.position):
            _by_position.pop((old.attempt_id, old.position or 0), None)
        if old is not None and (old.attempt_id, old.started_at) != (
            shape.attempt_id,
            shape.started_at,
        ):
            _answers.pop(item_id, None)
        _items[item_id] = shape
        _items.move_to_end(item_id)
        if shape.position is not None:
            _by_position[(shape.attempt_id, shape.position)] = item_id
        while len(_items) > MAX_ITEMS:
            _forget(*_items.popitem(last=False))


def _forget(item_id: int, shape: ItemShape) -> None:
    if shape.position is not None:
        _by_position.pop((shape.attempt_id, shape.position), None)
    _answers.pop(item_id, None)


def answer_at(item_id: int) -> tuple[int, dict[str, Any] | None] | None:
    """(seq, answer) last seen or written by this worker for a known item, or None."""
    with _lock:
        return _answers.get(item_id)


def note_answer(item_id: int, seq: int, answer: dict[str, Any] | None) -> None:
    """The item held ``answer`` at ``seq`` (kept only while the item's shape is)."""
    with _lock:
        if item_id in _items:
            _answers[item_id] = (seq, answer)


def forget_all() -> None:
    """Empty the cache (tests; nothing in the app needs it: the entries never go stale)."""
    with _lock:
        _items.clear()
        _by_position.clear()
        _answers.clear()
