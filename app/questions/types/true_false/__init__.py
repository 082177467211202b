"""True or false: one statement; all or nothing."""

from . import content, quiz  # noqa: F401
