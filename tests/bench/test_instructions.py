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
@pytest.mark.parametrize("submits", [False, True], ids=["start and save", "submit"])
def test_the_operations_are_counted_and_only_they(submits: bool) -> None:
    counted = instructions.measure("sqlite", "", pairs=1, submits=submits)
    # Counting is off at start: the interpreter's start and the app's import (hundreds of
    # millions of instructions) are not in it, nor (with submits) the opening of the exams;
    # one start and save, or one submit, is millions to tens of millions.
    assert 1_000_000 < counted < 500_000_000
