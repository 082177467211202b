"""A real browser marks an OSCE station on a phone-sized viewport, by touch, partly offline.

The app runs under gunicorn on the demo data (``flask demo setup``: two approved stations);
Chromium is Debian's, emulating a phone (390 × 844, touch). The examiner starts an exam, taps
the checklist, goes offline for a tap (kept on the device), comes back and submits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, PASSWORD, app_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("e2e-osce")) as url:
        yield url


@pytest.fixture
def phone(server):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is not installed (Debian chromium; scripts/test-deps)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
            )
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.console_errors = []  # type: ignore[attr-defined]
            page.on(
                "console",
                lambda msg: page.console_errors.append(msg.text)  # type: ignore[attr-defined]
                if msg.type == "error"
                else None,
            )
            yield context, page
            context.close()
        finally:
            browser.close()


def test_an_examiner_marks_a_station_by_touch_on_a_phone(server, phone):  # type: ignore[no-untyped-def]
    context, page = phone
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill("instructor@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").tap()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{server}/practical")
    page.get_by_label("Station", exact=True).select_option(
        label="Thorax: needling over the ribs with a barrier technique"
    )
    page.get_by_label("Candidate's e-mail").fill("trainee@demo.example")
    page.get_by_label("Examiners").select_option("1")
    page.get_by_role("button", name="Start the examination").tap()
    page.wait_for_url("**/mark")

    target = page.get_by_role("button", name="Palpates the rib and the intercostal space")
    box = target.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 300  # a large target
    target.tap()
    page.get_by_role("button", name="Places the fingers as a barrier over the rib").tap()
    page.get_by_text("Saved.").wait_for()

    context.set_offline(True)
    page.get_by_role("button", name="Directs the needle tangentially, away from the pleura").tap()
    page.get_by_text("Offline: marks kept on this device.").wait_for()
    stored = page.evaluate(
        "() => JSON.parse(localStorage.getItem("
        "document.getElementById('osce-mark').dataset.storageKey))"
    )
    assert stored["seq"] == 3 and stored["sent"] == 2 and stored["marks"]["angle"] is True
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.get_by_text("Saved.").wait_for()

    page.get_by_role("button", name="4", exact=True).tap()
    page.get_by_text("Saved.").wait_for()
    page.get_by_role("button", name="Submit my marks").tap()
    page.get_by_text("Final result: passed").wait_for()
    assert page.get_by_role("button", name="Submit my marks").is_disabled()
    # The save tried while offline is logged by the browser; nothing else may be.
    errors = [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]  # type: ignore[attr-defined]
    assert errors == []
