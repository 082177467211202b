"""An administrator at phone width on /admin/settings: the page itself never scrolls sideways
(long values wrap inside the table), and a logo uploaded through the form is shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page
from tests.siteconfig import images

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
LONG_NAME = "The International Institute for Evidence-Based Myofascial Dry Needling Practice"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("e2e-settings")) as url:
        yield url


def page_overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_settings_at_phone_width(server, tmp_path: Path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(images.png(600, 200))
    with browser_page() as page:
        page.set_viewport_size(PHONE)
        page.goto(f"{server}/login")
        page.get_by_label("E-mail").fill("admin@demo.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        page.goto(f"{server}/admin/settings")
        page.locator("#certificate-organisation").fill(LONG_NAME)
        page.locator("#certificate-confirm").check()
        page.get_by_role("button", name="Save organisation and signatory").click()
        page.wait_for_load_state()
        assert "Settings saved." in page.content()
        page.locator("#logo-image").set_input_files(str(logo))
        page.locator("#logo-confirm").check()
        page.get_by_role("button", name="Upload the logo").click()
        page.wait_for_load_state()
        assert "The logo is saved." in page.content()
        assert page.locator(".settings-table").get_by_text(LONG_NAME).is_visible()
        preview = page.locator("img.branding-preview")
        assert preview.evaluate("img => img.complete && img.naturalWidth") == 600
        assert preview.bounding_box()["width"] <= PHONE["width"]
        assert page_overflow(page) <= 0
