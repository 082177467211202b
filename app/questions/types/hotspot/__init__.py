"""The hotspot question type (registered by its modules)."""

from . import studio  # noqa: F401
