"""Single choice: one correct option among two or more."""

from . import content, formats, quiz  # noqa: F401
