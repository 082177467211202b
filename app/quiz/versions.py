"""Decoded question versions, kept per worker for the attempt page (issue 19).

A question version never changes once written (a correction is a new version; only a draft's
version is rewritten, and a draft is never drawn: ``studio.services.save_draft``), and a version
an attempt item names cannot be deleted (``ondelete="RESTRICT"``; a used question is retired,
not deleted). So the attempt page (``queries.attempt_for``) does not read its items' versions
on every request: a worker keeps what the presenters need of each (its use, image and decoded
question) here, keyed by version id, and reads only the versions it does not know yet, in one
statement of plain columns (no ORM object crosses a session).

The saves by position (``services.save_at_position``) take their item's question from here too.

The switch: ``set_enabled(False)`` (tests, ``bench/version_cache.py``) makes ``attempt_for``
load and decode the versions with the attempt on every request, as before, and ``load`` keep
nothing. It is per process, like the cache, and not a setting (a domain module reads no
configuration; ``bench/save_path.py`` switches ``shapes`` off the same way).

The question objects are shared between requests of a worker: callers only read them (as with
``app/quiz/shapes.py``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.banks import models as bm
from app.banks.models import QUESTION_ADAPTER
from app.banks.schema import Use
from app.questions.base import QuestionBase

MAX_VERSIONS = 2_000
"""Versions kept per worker (the least recently used go first): the exams being sat at once
draw from a few hundred versions each. A decoded version is about 7 kB (the synthetic bench
questions, measured with tracemalloc), so at most some 15-40 MB a worker."""


@dataclass(frozen=True)
class VersionData:
    """What the attempt page needs of a question version, as plain data."""

    id: int
    use: Use
    media_sha256: str | None
    question: QuestionBase

    def as_question(self) -> QuestionBase:
        """``QuestionVersion.as_question``, decoded once per worker (read it, never change it)."""
        return self.question


_versions: OrderedDict[int, VersionData] = OrderedDict()
_lock = threading.Lock()
_enabled = True


def enabled() -> bool:
    return _enabled


def set_enabled(on: bool) -> None:
    """Switch the cache on or off for this process (off: it is emptied and not used)."""
    global _enabled
    _enabled = on
    forget_all()


def get(version_id: int) -> VersionData | None:
    with _lock:
        data = _versions.get(version_id)
        if data is not None:
            _versions.move_to_end(version_id)
        return data


def _remember(data: VersionData) -> None:
    with _lock:
        _versions[data.id] = data
        _versions.move_to_end(data.id)
        while len(_versions) > MAX_VERSIONS:
            _versions.popitem(last=False)


def load(session: Session, version_ids: Iterable[int]) -> dict[int, VersionData]:
    """The versions ``version_ids``, from this worker's cache, reading the missing ones in one
    statement (none when all are known; all of them, kept nowhere, when switched off)."""
    found: dict[int, VersionData] = {}
    missing: set[int] = set()
    for version_id in version_ids:
        data = get(version_id) if _enabled else None
        if data is None:
            missing.add(version_id)
        else:
            found[version_id] = data
    if missing:
        QV = bm.QuestionVersion
        rows = session.execute(
            sa.select(QV.id, QV.use, QV.media_sha256, QV.content).where(QV.id.in_(sorted(missing)))
        )
        for version_id, use, media_sha256, content in rows:
            question = QUESTION_ADAPTER.validate_python(content)
            data = VersionData(version_id, use, media_sha256, question)
            if _enabled:
                _remember(data)
            found[version_id] = data
    return found


def forget_all() -> None:
    """Empty the cache (tests: ids are reused after a rolled-back test, and a few tests change a
    version row directly, which the app never does)."""
    with _lock:
        _versions.clear()
