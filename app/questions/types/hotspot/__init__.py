"""Hotspot: mark a point on an image; right when inside a correct region."""

from . import content, formats, quiz, studio  # noqa: F401
