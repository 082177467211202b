"""Refuse text that carries a patient's identifiers (pure).

A logbook entry is de-identified: its patient code is a code, not a name, and no field holds an
e-mail address, a phone number or a date of birth. Each check returns why a text is refused
(or None), in the language of the moment; ``first_identifier`` names the first offending
field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.i18n import gettext as _

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# Seven or more digits, possibly split by spaces, dots, dashes, slashes or brackets (+44 20 …).
PHONE = re.compile(r"(?:\+?\d[\s().-]{0,2}){7,}")
DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2})\b"
)
BIRTH_WORDS = re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\b", re.IGNORECASE)
TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+[A-Z][a-z]+")
NAME_LABEL = re.compile(r"\b(?:name|patient)\s*[:=]\s*[A-Za-z]", re.IGNORECASE)
# A patient code: letters, digits and dashes with at least one digit ("P-0042", "KN17").
PATIENT_CODE = re.compile(r"(?=[A-Za-z-]*\d)[A-Za-z0-9-]{2,20}")


def identifier_in(text: str) -> str | None:
    """Why ``text`` looks like it identifies a person, or None."""
    if EMAIL.search(text):
        return _("contains an e-mail address")
    if BIRTH_WORDS.search(text) or DATE.search(text):
        return _("contains a date (of birth?): leave dates out of the text")
    if PHONE.search(text):
        return _("contains a phone number")
    if TITLED_NAME.search(text) or NAME_LABEL.search(text):
        return _("contains a name")
    return None


def patient_code_problem(code: str) -> str | None:
    """A patient code is a short code with a digit in it, never a name or contact detail."""
    found = identifier_in(code)
    if found:
        return found
    if not PATIENT_CODE.fullmatch(code):
        return _(
            "must be a de-identified code (2 to 20 letters, digits or dashes with at least one "
            "digit, e.g. P-0042), never the patient's name"
        )
    return None


def first_identifier(fields: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (field, reason) whose text carries an identifier."""
    for name, text in fields:
        reason = patient_code_problem(text) if name == "patient_code" else identifier_in(text)
        if reason:
            return name, reason
    return None
