"""Verification codes people can type: Crockford base32, grouped, forgiving when read back."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.certificates import codes


def test_a_new_code_is_seven_groups_of_four_crockford_symbols_140_bits() -> None:
    code = codes.new_code()
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}", code)
    assert codes.LENGTH * 5 >= 128 and len(codes.ALPHABET) == 32
    assert not set("ILOU") & set(codes.ALPHABET)
    assert len({codes.new_code() for _ in range(200)}) == 200


def test_reading_back_ignores_case_separators_and_folds_confusables() -> None:
    code = codes.new_code()
    assert codes.normalise(code) == code
    assert codes.normalise(code.lower()) == code
    assert codes.normalise(" " + code.replace("-", " ") + " ") == code
    assert codes.normalise(code.replace("-", "")) == code
    zeros = "0000-1111-0000-1111-0000-1111-0000"
    assert codes.normalise("oOOo-iIlL-0000-1111-0000-1111-0000") == zeros


@given(st.text(max_size=100))
def test_anything_else_is_not_a_code(text: str) -> None:
    result = codes.normalise(text)
    assert result is None or re.fullmatch(r"([0-9A-Z]{4}-){6}[0-9A-Z]{4}", result)


def test_old_style_and_malformed_codes_are_not_new_codes() -> None:
    assert codes.normalise("Abc_def-GHI") is None  # a pre-existing token_urlsafe code
    assert codes.normalise("U" * 28) is None  # U is not in Crockford's alphabet
    assert codes.normalise("A" * 500) is None
