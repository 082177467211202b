"""The one list of professions: accounts and jurisdiction rule files use the same ids."""

from __future__ import annotations

import re

#: id -> label, in the order forms list them.
PROFESSIONS: dict[str, str] = {
    "physical_therapist": "Physical therapist (physiotherapist)",
    "chiropractor": "Chiropractor",
    "athletic_trainer": "Athletic trainer",
    "occupational_therapist": "Occupational therapist",
    "physician": "Physician",
    "acupuncturist": "Acupuncturist",
    "osteopath": "Osteopath",
    "other": "Other",
}

# Free-text spellings seen in accounts made before the list existed (lower case, words only).
_ALIASES: dict[str, str] = {
    "physical therapist": "physical_therapist",
    "physiotherapist": "physical_therapist",
    "physio": "physical_therapist",
    "pt": "physical_therapist",
    "dpt": "physical_therapist",
    "chiropractic physician": "chiropractor",
    "chiropractor": "chiropractor",
    "dc": "chiropractor",
    "athletic trainer": "athletic_trainer",
    "at": "athletic_trainer",
    "atc": "athletic_trainer",
    "occupational therapist": "occupational_therapist",
    "ot": "occupational_therapist",
    "physician": "physician",
    "doctor": "physician",
    "md": "physician",
    "do": "physician",
    "acupuncturist": "acupuncturist",
    "osteopath": "osteopath",
}


def label(profession_id: str) -> str:
    return PROFESSIONS.get(profession_id, profession_id)


def from_text(text: str) -> str | None:
    """The profession id a free-text answer names, or None when it names none."""
    cleaned = " ".join(re.findall(r"[a-z]+", (text or "").lower()))
    if cleaned.replace(" ", "_") in PROFESSIONS:
        return cleaned.replace(" ", "_")
    return _ALIASES.get(cleaned)
