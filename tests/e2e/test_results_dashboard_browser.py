"""A real browser, at 1280 × 800 and 390 × 844: a result page (summary first, grid, filters
without a reload, a grid cell opening its question, the printable version) and the
dashboard of the demo graduate (cards first, charts with legends). Screenshots are kept in
build/screenshots/; axe finds nothing serious or critical on either page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(900),
]  # the server starts slowly on a busy machine

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("e2e-results")) as url:
        yield url


def log_in(page, server: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[-3000:]


def assert_axe_clean(page) -> None:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        return
    page.evaluate(AXE.read_text())  # through DevTools: the page's CSP is left as it is
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def in_first_screen(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] < page.viewport_size["height"]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_result_summary_filters_and_print(server, viewport):
    with browser_page(viewport=viewport) as page:
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(page, server, "trainee@demo.example")
        page.goto(f"{server}/modules/anatomy-practice")
        page.get_by_role("button", name="Start attempt").click()
        page.wait_for_url(re.compile(r".*/attempts/\d+/items/1$"))
        attempt_id = re.search(r"/attempts/(\d+)/", page.url).group(1)
        page.goto(f"{server}/attempts/{attempt_id}/summary")
        page.locator("input[name=confirm]").check()
        page.locator(".submit-form button[type=submit]").click()
        page.wait_for_url(re.compile(rf".*/attempts/{attempt_id}/result$"))

        assert in_first_screen(page, "[data-testid=result-summary]")
        assert "Not passed" in page.locator("[data-testid=result-summary]").inner_text()
        assert re.search(r"0 / \d+", page.locator("[data-testid=result-score]").inner_text())
        cells = page.locator("[data-testid=result-grid] a")
        assert cells.count() >= 1
        screenshot(page, f"result-summary-{viewport}")
        assert_axe_clean(page)

        # The filter works without a reload; a grid cell opens its (collapsed) question.
        page.locator("[data-filter=flagged]").click()
        assert "show=flagged" in page.url
        assert page.locator(".review-item:not([hidden])").count() == 0
        assert page.locator("[data-review-empty]").is_visible()
        cells.first.click()
        assert page.locator("#q1").is_visible()
        assert page.locator("#q1 details").get_attribute("open") is not None
        screenshot(page, f"result-review-{viewport}")

        page.goto(f"{server}/attempts/{attempt_id}/result?print=1")
        assert page.locator(".site-header").count() == 0
        assert page.locator("details:not([open])").count() == 0
        assert not errors, errors


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_dashboard_cards_and_charts(server, viewport):
    with browser_page(viewport=viewport) as page:
        log_in(page, server, "graduate@demo.example")
        page.goto(f"{server}/dashboard")
        assert in_first_screen(page, "[data-testid=dashboard-cards]")
        for card in ("program", "exams", "next", "reviews"):
            assert page.locator(f"[data-testid=card-{card}]").is_visible()
        history = page.locator("[data-testid=history-chart]")
        history.scroll_into_view_if_needed()
        assert history.is_visible()
        assert page.locator("[data-testid=history-chart] [data-series]").count() >= 2
        assert page.locator("[data-testid=history-chart-legend] li").count() >= 3
        # The page is no wider than the screen (tables scroll inside their regions).
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"] + 1, width
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, f"dashboard-{viewport}")
        history.scroll_into_view_if_needed()
        screenshot(page, f"dashboard-history-{viewport}")
        assert_axe_clean(page)
