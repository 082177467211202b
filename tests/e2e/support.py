"""What the browser tests share: the app under gunicorn on a fresh database, and Chromium.

The app runs as it does in production: gunicorn in a subprocess, on a temporary SQLite database
migrated with ``flask db upgrade``, loaded with ``flask banks import`` and ``flask demo setup``.
Chromium is Debian's (/usr/bin/chromium), started with the flags this network needs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
PASSWORD = "lantern orchard velvet compass 42"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask_cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"flask {' '.join(args)}: {result.stdout}\n{result.stderr}"


@contextlib.contextmanager
def app_server(instance: Path, extra_banks: tuple[Path, ...] = ()) -> Iterator[str]:
    """The demo app (curriculum, demo accounts with PASSWORD) under gunicorn; yields its URL."""
    if not Path(CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is not installed (Debian chromium; scripts/test-deps)")
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
        "SECRET_KEY": "e2e-secret-key",
        "DEMO_PASSWORD": PASSWORD,
        "APP_ENV": "development",
        "RATELIMIT_ENABLED": "false",
    }
    env.pop("TEST_DATABASE_URL", None)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "banks", "import", "question_banks")
    for bank in extra_banks:
        flask_cli(env, "banks", "import", str(bank))
    flask_cli(env, "demo", "setup", "--skip-banks")
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/login", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


VIEWPORTS: dict[str, dict[str, int]] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
"""The two sizes every page is tried at (issue 18)."""

SCREENSHOTS = ROOT / "build" / "screenshots"
"""Where browser tests keep their screenshots as artifacts (build/ is not committed)."""


def screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    """Keep what the browser shows as ``build/screenshots/<name>.png``; returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@contextlib.contextmanager
def browser_page(timeout_ms: int = 10_000, viewport: str | None = None) -> Iterator[Any]:
    """A fresh page in Debian's Chromium (Playwright drives it; nothing is downloaded).

    ``viewport`` is a key of VIEWPORTS ("desktop", "phone"); None keeps Playwright's default.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is not installed (Debian chromium; scripts/test-deps)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            options = {"viewport": VIEWPORTS[viewport]} if viewport else {}
            context = browser.new_context(**options)
            context.set_default_timeout(timeout_ms)
            yield context.new_page()
            context.close()
        finally:
            browser.close()
