"""Password hashing (argon2id, OWASP parameters) and the password policy (ASVS 6.2). Pure."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _hasher.hash("dummy password used to equalise timing")


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, verify against a dummy so timing stays similar."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Return the reasons ``password`` is refused (empty when acceptable).

    Length 12..128, no composition rules; refuses guessable passwords (zxcvbn score < 3)
    and passwords containing the user's e-mail, its local part or their name.
    """
    if len(password) < MIN_LENGTH:
        return [
            _(
                "Use at least %(min)s characters; a few unrelated words work well.",
                min=MIN_LENGTH,
            )
        ]
    if len(password) > MAX_LENGTH:
        return [_("Use at most %(max)s characters.", max=MAX_LENGTH)]
    lowered = password.lower()
    personal = [email.strip().lower(), name.strip().lower()]
    local = email.split("@", 1)[0].strip().lower()
    if len(local) >= 4:
        personal.append(local)
    personal += [p for p in name.lower().split() if len(p) >= 4]
    personal = [p for p in personal if len(p) >= 4]  # "W" must not refuse every password with w
    if any(item in lowered for item in personal):
        return [_("Do not use your e-mail address or name in your password.")]
    result = zxcvbn(password[:100], user_inputs=personal)
    if result["score"] < MIN_SCORE:
        hint = _zxcvbn_warning(result.get("feedback", {}).get("warning") or "")
        message = _("This password is too easy to guess; choose a longer, less common one.")
        return [f"{message} {hint}".strip()]
    return []


# zxcvbn's warnings (zxcvbn/feedback.py: English only, every one listed) in the page's language.
ZXCVBN_WARNINGS = {
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        'Sequences like "abc" or "6543" are easy to guess.'
    ),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l(
        "This is similar to a commonly used password."
    ),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l(
        "Names and surnames by themselves are easy to guess."
    ),
    "Common names and surnames are easy to guess.": _l(
        "Common names and surnames are easy to guess."
    ),
}


def _zxcvbn_warning(text: str) -> str:
    translated = ZXCVBN_WARNINGS.get(text)
    return str(translated) if translated is not None else text
