"""Single choice: one correct option among two or more."""

from . import content, quiz, studio  # noqa: F401
