"""Issue 19: the item analysis reads plain rows and indexes items once; the statistics must be
exactly those of the previous implementation (kept in ``item_analysis_reference``), on random
fixed and drawn forms, with later, practice and open attempts that must not count."""

from __future__ import annotations

import dataclasses
import random

import pytest

from app.analysis.item_analysis import analyse
from app.banks.schema import Mode
from app.quiz.models import AttemptStatus
from tests import factories
from tests.studio import item_analysis_reference as reference
from tests.studio.conftest import single_choice


def _world(build, rng: random.Random, *, drawn: bool, tag: str):
    versions = [build.question(single_choice(f"eq{tag}-q{i}")) for i in range(6)]
    length = 3 if drawn else 6
    module = build.module(slug=f"eq{tag}-exam", count=length)
    for _ in range(rng.randint(8, 14)):
        user = factories.make_user("trainee")
        count = rng.randint(1, 3)
        for attempt_no in range(1, count + 1):
            picked = rng.sample(versions, length) if drawn else versions
            marks = []
            for v in picked:
                choice = rng.choice("abcd")
                partial = rng.choice([1.0, 0.5]) if choice == "a" else 0.0
                marks.append((v, partial, {"choice": choice} if rng.random() > 0.1 else None))
            build.attempt(
                user,
                module,
                marks,
                attempt_no=attempt_no,
                mode=Mode.EXAM if rng.random() > 0.15 else Mode.PRACTICE,
                # At most one open attempt per trainee and module: only the last may be open.
                status=AttemptStatus.IN_PROGRESS
                if attempt_no == count and rng.random() < 0.15
                else AttemptStatus.SUBMITTED,
            )
    return module


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("drawn", [False, True])
def test_statistics_equal_the_previous_implementation(build, db_session, seed, drawn):
    module = _world(build, random.Random(seed), drawn=drawn, tag=f"{seed}{int(drawn)}")
    db_session.expire_all()
    new = analyse(db_session, module)
    old = reference.analyse(db_session, module)
    assert new.attempts == old.attempts > 0
    assert new.fixed_form == old.fixed_form == (not drawn)
    assert new.labels == old.labels
    assert dataclasses.asdict(new.result) == dataclasses.asdict(old.result)


def test_a_module_without_attempts_analyses_like_before(build, db_session):
    module = build.module(slug="eq-empty", count=2)
    new, old = analyse(db_session, module), reference.analyse(db_session, module)
    assert (new.attempts, new.fixed_form) == (old.attempts, old.fixed_form) == (0, True)
    assert dataclasses.asdict(new.result) == dataclasses.asdict(old.result)
