"""Admin tests call services directly too: give them the issuer settings explicitly."""

from __future__ import annotations

import pytest

from app.certificates import services


@pytest.fixture
def settings(app):
    with app.app_context():
        return services.current_settings()
