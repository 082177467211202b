"""The multiple response question type (registered by its modules)."""

from . import studio  # noqa: F401
