"""True or false: one statement; all or nothing."""

from . import content, formats, quiz, studio  # noqa: F401
