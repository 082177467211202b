"""A trainee whose browser asks for Canadian French gets the French interface (issue 20).

Chromium runs with ``locale="fr-CA"`` (so it sends ``Accept-Language: fr-CA``) and the time
zone America/Montreal (static/js/timezone.js reports it in the ``tz`` cookie). The trainee logs
in, sees the dashboard, the module list and a module page (each module says which language its
questions are in), starts a question (the question itself stays in its authored language), reads
French dates in their zone, then switches the interface to English with the footer switcher.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    VIEWPORTS,
    app_server,
    screenshot,
)

pytestmark = pytest.mark.e2e

FRENCH_MONTHS = r"(janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("e2e-french")) as url:
        yield url


@contextlib.contextmanager
def french_page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is not installed (Debian chromium; scripts/test-deps)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale="fr-CA", timezone_id="America/Montreal", viewport=VIEWPORTS["desktop"]
            )
            context.set_default_timeout(15_000)
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def lang(page: Any) -> str:
    return page.eval_on_selector("html", "el => el.lang")


def test_a_french_browser_gets_the_french_trainee_pages(server):
    with french_page() as page:
        page.goto(f"{server}/login")
        assert lang(page) == "fr-CA"
        page.get_by_label("Courriel").fill("trainee@demo.example")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()[-2000:]
        assert lang(page) == "fr-CA"  # the dashboard

        page.goto(f"{server}/modules")
        assert lang(page) == "fr-CA"
        badge = page.locator("[data-testid=content-language]").first
        assert re.search(r"Questions en\s*:\s*anglais", badge.inner_text()), badge.inner_text()
        assert badge.locator("[lang=en]").count() == 1
        screenshot(page, "french-modules")

        page.goto(f"{server}/modules/anatomy-practice")
        assert "anglais" in page.locator("[data-testid=content-language]").inner_text()
        page.locator("form[action$='/start'] button").click()
        page.wait_for_url(re.compile(r".*/attempts/\d+/items/1$"))
        assert lang(page) == "fr-CA"
        assert page.locator(".stem").first.inner_text().strip()  # authored content, untouched
        screenshot(page, "french-question")

        page.goto(f"{server}/enrolment")
        assert page.get_by_role("heading", name="Programmes", exact=True).count() == 1
        dates = page.locator("table").last.inner_text()
        assert re.search(FRENCH_MONTHS + r" \d{4}", dates), dates
        assert "HNE" in dates or "HAE" in dates, dates  # Montréal's zone, named in French

        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert lang(page) == "en"
        assert page.get_by_role("heading", name="Programs", exact=True).count() == 1
        page.goto(f"{server}/modules")
        badge = page.locator("[data-testid=content-language]").first
        assert re.search(r"Questions in\s*:\s*English", badge.inner_text()), badge.inner_text()
