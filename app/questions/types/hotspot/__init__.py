"""The hotspot question type (its import/export formats: formats.py)."""

from . import formats  # noqa: F401
