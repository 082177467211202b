"""Verification codes people can type from paper (pure; no Flask, no database).

A code is 140 random bits in Crockford base32 (digits and letters without I, L, O, U), in
seven groups of four: ``7K2M-Q9XD-...``. Reading one back is forgiving: case is ignored,
spaces and dashes may be anywhere, and the confusable letters are folded as Crockford
specifies (I and L read as 1, O as 0). Codes issued before this format (URL-safe base64,
case-sensitive) are kept: they are printed on paper already.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 7
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE  # 28 symbols x 5 bits = 140 bits
_FOLD = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_code() -> str:
    """A fresh code: 140 bits from the OS's CSPRNG, grouped ``XXXX-XXXX-...``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return group(symbols)


def group(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE))


def normalise(text: str) -> str | None:
    """The canonical (grouped, upper-case) form of a typed code, or None if it is not one."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    symbols = _SEPARATORS.sub("", text).upper().translate(_FOLD)
    if len(symbols) != LENGTH or any(c not in ALPHABET for c in symbols):
        return None
    return group(symbols)
