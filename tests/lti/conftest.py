"""The test platform, registered (tests/lti/platform.py)."""

from __future__ import annotations

import pytest

from app.lti.services import PlatformFields, register_platform
from tests.lti.platform import Platform


@pytest.fixture
def platform(db_session):
    test_platform = Platform()
    test_platform.start()
    register_platform(db_session, None, PlatformFields(**test_platform.registration()))
    db_session.commit()
    yield test_platform
    test_platform.stop()
