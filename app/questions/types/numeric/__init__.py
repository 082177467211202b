"""Numeric: a number within a tolerance; all or nothing."""

from . import content, formats, quiz, studio  # noqa: F401
