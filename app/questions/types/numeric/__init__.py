"""Numeric: a number within a tolerance; all or nothing."""

from . import content, quiz, studio  # noqa: F401
