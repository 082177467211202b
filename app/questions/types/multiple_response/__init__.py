"""Multiple response: choose every correct option; right minus wrong."""

from . import content, quiz, studio  # noqa: F401
