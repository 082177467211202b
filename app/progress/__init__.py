"""Progress and practice: mastery aggregates, spaced-repetition practice, dashboard, cohort."""

from __future__ import annotations

import os

from flask import Flask


def init_progress(app: Flask) -> None:
    """Settings: ``PRACTICE_NEW_PER_DAY`` (default 10). The grading hook is in create_app."""
    app.config.setdefault("PRACTICE_NEW_PER_DAY", int(os.environ.get("PRACTICE_NEW_PER_DAY", "10")))
