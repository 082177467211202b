"""``bench/instructions.py``: the instructions of a start and a save counted under callgrind
(issue 19), once at the smallest size on SQLite. Nothing here asserts a count's size beyond
its being counted: only that the counting is switched on around the measured pairs."""

from __future__ import annotations

import shutil

import pytest

from bench import instructions


def test_bad_arguments_are_refused(capsys) -> None:
    for args in (["--pairs", "0"], ["--pairs", "1001"], ["--databases", "mysql"]):
        with pytest.raises(SystemExit) as refused:
            instructions.parse(args)
        assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "--pairs must be from 1 to 1000" in err and "--databases: sqlite" in err


@pytest.mark.timeout(600)
@pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="valgrind is not installed (Debian: valgrind)"
)
def test_the_pairs_are_counted_and_only_they() -> None:
    counted = instructions.measure("sqlite", "", pairs=1)
    # Counting is off at start: the interpreter's start and the app's import (hundreds of
    # millions of instructions) are not in it; one start and save is tens of millions.
    assert 1_000_000 < counted < 500_000_000
