"""Hostile values for form fields and JSON properties (hypothesis strategies).

Text with NUL bytes, lone surrogates, right-to-left overrides, markup and SQL, huge text;
numbers huge, negative, NaN and infinite, written as text as a browser would send them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

BAD_CHARACTERS = ["\x00", "\ud800", "\udfff", "\udc80\ud83d"]

SPECIAL_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff y",
    "\u202eevil\u202c",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "../../etc/passwd",
    "%00",
    "\r\n\r\n",
    "null",
    "[]",
    "{}",
    "\U0001f600" * 3,
    "Zoë Ångström-Nguyễn",
]

SPECIAL_NUMBERS = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "-1",
    "0",
    "-0",
    "0.5",
    "1e-320",
    str(2**31),
    str(2**31 - 1),
    str(-(2**31) - 1),
    str(2**63),
    str(2**70),
    "-" + str(2**70),
    "9" * 400,
    "0x10",
    " 7 ",
]

HUGE_SIZES = [5_001, 70_000, 600_000]  # over the field limits; the last over the form memory


class Huge(str):
    """A huge text whose repr stays short (hypothesis prints the examples it draws)."""

    def __repr__(self) -> str:
        return f"<{len(self)} × {self[:1]!r}>"


def _with_bad_character() -> st.SearchStrategy[str]:
    plain = st.text(max_size=8)
    return st.tuples(plain, st.sampled_from(BAD_CHARACTERS), plain).map("".join)


def huge_text() -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(HUGE_SIZES), st.sampled_from("xé")).map(
        lambda t: Huge(t[1] * t[0])
    )


def hostile_text(huge: bool = True) -> st.SearchStrategy[str]:
    """Hostile text; ``huge=False`` leaves out the huge values (a form draws one on its own)."""
    options = [
        st.sampled_from(SPECIAL_TEXT),
        st.text(max_size=40),
        _with_bad_character(),
        st.sampled_from(SPECIAL_NUMBERS),
    ]
    return st.one_of(*options, *([huge_text()] if huge else []))


def hostile_number(huge: bool = True) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SPECIAL_NUMBERS),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        hostile_text(huge),
    )


def hostile_json() -> st.SearchStrategy[Any]:
    """Any JSON value, hostile strings and numbers included."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([2**31, 2**53 + 1, 2**70, -(2**63) - 1]),
        hostile_text(),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


class HugeBytes(bytes):
    def __repr__(self) -> str:
        return f"<{len(self)} bytes>"


def hostile_bytes() -> st.SearchStrategy[bytes]:
    """An uploaded file's content: empty, random, truncated formats, markup, huge."""
    return st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [
                b"",
                b"\x00" * 64,
                b"\xff\xd8\xff\xe0",  # a JPEG's first bytes, nothing else
                b"\x89PNG\r\n\x1a\n",  # a PNG signature alone
                b"PK\x03\x04" + b"\x00" * 26,  # a truncated zip
                b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                b"<quiz>&e;</quiz>",
                b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
                b"questions:\n  - key: [unclosed\n",
                b"a: &a [*a, *a, *a, *a]\n",
                b"!!python/object/apply:os.system ['true']\n",
                b"::title:: {=yes ~no}\n" * 3,
                "\ufeffstem { =\ud800 }".encode("utf-8", "surrogatepass"),
            ]
        ),
        st.sampled_from([70_000, 3_000_000]).map(lambda n: HugeBytes(b"A" * n)),
    )


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    """URL-encode as a browser would; lone surrogates go out as the bytes they would be."""
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode("ascii")
