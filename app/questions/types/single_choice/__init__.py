"""Single choice: one correct option among two or more."""

from . import content, formats, quiz, studio  # noqa: F401
