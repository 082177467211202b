"""The jurisdictions a registering clinician chooses from: defined here and nowhere else.

Names only (no rules): the bodies named in shared/domain/JURISDICTIONS.md. "Other" is for a
clinician practising elsewhere.
"""

from __future__ import annotations

OTHER = "Other"

JURISDICTIONS: tuple[str, ...] = (
    "Alberta",
    "Australia",
    "British Columbia",
    "Florida",
    "Illinois",
    "Louisiana",
    "Nevada",
    "North Carolina",
    "North Dakota",
    "Ontario",
    "Québec",
    "Saskatchewan",
    "Tennessee",
    "United Kingdom",
    "Utah",
    "Washington",
    OTHER,
)


def is_known(name: str) -> bool:
    return name in JURISDICTIONS
