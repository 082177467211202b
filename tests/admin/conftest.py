"""Admin tests call services directly too: give them the issuer settings explicitly."""

from __future__ import annotations

import pytest

from app.settings import get_settings


@pytest.fixture
def settings(app):
    with app.app_context():
        return get_settings().issuer
