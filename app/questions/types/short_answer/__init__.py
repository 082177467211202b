"""Short answer: free text matched against accepted patterns; all or nothing."""

from . import content, formats, quiz, studio  # noqa: F401
