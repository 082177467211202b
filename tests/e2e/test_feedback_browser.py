"""Feedback at a glance in a real browser (issue 18), at 1280 × 800 and 390 × 844: a practice
answer checked from a practice set of one's own lands on the verdict (focused), with the
options, pairs, positions or regions marked where they stand; screenshots kept in
build/screenshots/. Without Chromium these tests skip."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page, screenshot

# The demo server is built (migrate, import the banks, demo setup) inside the first test: on a
# loaded machine that alone can pass the default 120 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("e2e-feedback")) as url:
        yield url


def log_in(page, server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill("trainee@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url


def answer_something(page) -> None:  # type: ignore[no-untyped-def]
    """Give some answer, whatever the type: the first option, match or position, or a number."""
    form = page.locator("form.practice-form")
    radios = form.locator("input[type=radio]")
    boxes = form.locator("input[type=checkbox]")
    selects = form.locator("select")
    texts = form.locator("input[type=text]")
    if radios.count():
        radios.first.check()
    elif boxes.count():
        boxes.first.check()
    elif selects.count():
        for i in range(selects.count()):
            selects.nth(i).select_option(index=i + 1)
    else:
        texts.first.fill("1")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_practice_feedback_is_marked_in_place_and_focus_lands_on_the_verdict(server, viewport):
    with browser_page(viewport=viewport) as page:
        log_in(page, server)
        page.goto(f"{server}/practice/build")
        page.get_by_label("Number of questions").fill("3")
        page.get_by_role("button", name="Start practising").click()
        page.wait_for_url(re.compile(r".*/practice/set$"))
        assert "Question 1 of 3" in page.locator(".set-progress").inner_text()
        screenshot(page, f"practice-set-{viewport}")
        # a refused check: the message inside the question, focused, same question
        stem = page.locator("#stem").inner_text()
        page.get_by_role("button", name="Check answer").click()
        page.wait_for_load_state()
        assert page.locator("#stem").inner_text() == stem
        assert page.evaluate("document.activeElement.id") == "verdict"
        assert "Choose or enter an answer" in page.locator("form.practice-form").inner_text()
        answer_something(page)
        page.get_by_role("button", name="Check answer").click()
        page.wait_for_url(re.compile(r".*/practice#verdict$"))
        verdict = page.locator("#verdict")
        assert page.evaluate("document.activeElement.id") == "verdict"
        assert verdict.is_visible() and verdict.bounding_box()["y"] < page.viewport_size["height"]
        marks = page.locator(".fb-mark")
        assert marks.count() >= 1
        words = " ".join(marks.all_inner_texts())
        assert re.search(r"Your answer — (correct|incorrect|partly correct)|Not answered", words)
        assert "Question 1 of 3" in page.locator(".set-progress").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(page, f"practice-feedback-{viewport}")
        marks.first.scroll_into_view_if_needed()
        screenshot(page, f"practice-feedback-marks-{viewport}")
        if AXE.exists():
            page.evaluate(AXE.read_text())
            result = page.evaluate("async () => await axe.run(document)")
            bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
            assert not bad, bad
