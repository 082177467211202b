"""Ordering: put the items in order; the share placed right."""

from . import content, formats, quiz, studio  # noqa: F401
