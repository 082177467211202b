"""Script concordance: a hypothesis, new information, a five-point scale scored by a panel."""

from . import content, formats, quiz, studio  # noqa: F401
