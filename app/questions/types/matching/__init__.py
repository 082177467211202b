"""Matching: each premise matched to one answer; the share matched right."""

from . import content, formats, quiz, studio  # noqa: F401
