"""Multiple response: choose every correct option; right minus wrong."""

from . import content, formats, quiz, studio  # noqa: F401
