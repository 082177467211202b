"""Short answers: case, spaces, dashes and punctuation around words do not decide the score."""

from __future__ import annotations

import pytest

from app.questions.types.short_answer.quiz import pattern_matches


@pytest.mark.parametrize(
    "pattern,text,expected",
    [
        ("syncope", "Syncope.", True),
        ("syncope", "  SYNCOPE ", True),
        ("vasovagal syncope", "vasovagal-syncope", True),
        ("vasovagal syncope", "Vasovagal  syncope!", True),
        ("post-exposure prophylaxis", "post exposure prophylaxis", True),
        ("post-exposure prophylaxis", "post\u2013exposure prophylaxis", True),
        ("local twitch*", "Local twitch response!", True),
        ("ltr", "(LTR)", True),
        ("it's", "it\u2019s", True),
        ("0.5", "0.5", True),
        ("0.5", "05", False),  # punctuation inside a number stays
        ("haematoma", "hematoma", False),  # the other spelling is a pattern of its own
        ("syncope", "syncopes", False),
        ("C7", "c7", True),
    ],
)
def test_pattern_matches(pattern: str, text: str, expected: bool) -> None:
    assert pattern_matches(pattern, text) is expected


def test_case_sensitive_questions_keep_case() -> None:
    assert not pattern_matches("LTR", "ltr", case_sensitive=True)
    assert pattern_matches("LTR", "LTR.", case_sensitive=True)
