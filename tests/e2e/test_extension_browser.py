"""A real browser keeps an exam page open while an administrator extends the attempt
(``flask attempts extend``): the next autosave brings the new deadline and the countdown moves
to it, without a reload."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page, flask_cli

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-extension")


@pytest.fixture(scope="module")
def server(instance: Path) -> Iterator[str]:
    with app_server(instance) as url:
        yield url


def cli_env(instance: Path) -> dict[str, str]:
    """The server's settings (tests/e2e/support.py), for a command on the same database."""
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
        "SECRET_KEY": "e2e-secret-key",
        "APP_ENV": "development",
        "RATELIMIT_ENABLED": "false",
    }
    env.pop("TEST_DATABASE_URL", None)
    return env


def test_the_countdown_moves_to_the_extended_deadline(server, instance):
    with browser_page() as page:
        page.goto(f"{server}/login")
        page.get_by_label("E-mail").fill("trainee@demo.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        page.goto(f"{server}/modules/anatomy-exam")
        page.get_by_role("button", name="Start attempt").click()
        page.wait_for_url(re.compile(r".*/attempts/\d+/items/1$"))
        attempt_id = re.search(r"/attempts/(\d+)/", page.url).group(1)
        before = page.locator("#countdown").get_attribute("data-deadline")
        shown = page.locator("#countdown time").inner_text()

        flask_cli(
            cli_env(instance),
            "attempts", "extend", "--attempt", attempt_id, "--minutes", "90", "--reason", "e2e",
        )  # fmt: skip
        page.locator("#flagged").check()  # a change: the form autosaves
        page.wait_for_function(
            "(old) => document.getElementById('countdown').getAttribute('data-deadline') !== old",
            arg=before,
        )
        assert page.locator("#countdown time").inner_text() != shown
        # 30 + 90 minutes: the next tick counts down from about 2 hours.
        page.wait_for_function(
            "() => / h /.test(document.querySelector('#countdown .countdown-left').textContent)"
        )
        left = page.locator("#countdown .countdown-left").inner_text()
        assert re.search(r"\b(1|2) h \d+ min", left), left
