"""True or false: one statement; all or nothing."""

from . import content, quiz, studio  # noqa: F401
