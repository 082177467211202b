"""The exam room in a real browser at 1280 × 800 and 390 × 844 (issue 18).

The focused layout (no site menu, a bar that stays on screen), the question above the fold on
a phone, the 5- and 1-minute warnings and the lock at time-up (Playwright's clock moves the
page's time forward: nothing sleeps), and a case whose earlier steps are collapsed. Screenshots
are kept in build/screenshots/ (exam-room-*.png).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page, screenshot
from tests.e2e.test_quiz_browser import answer_by_keyboard

# The app server starts once (migrate, import the banks, demo setup): slow on a busy machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
WAIT_MS = 30_000

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("e2e-exam-room")) as url:
        yield url


def log_in(page, server: str, email: str = "trainee@demo.example") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url


def start(page, server: str, slug: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/modules/{slug}")
    with page.expect_navigation():
        page.locator("form[action$='/start'] button").click()
    assert re.search(r"/attempts/\d+/items/\d+$", page.url), (
        page.url,
        page.inner_text("main")[:500],
    )


def assert_axe_clean(page) -> None:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        return
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def top_of(page, selector: str) -> float:  # type: ignore[no-untyped-def]
    return page.eval_on_selector(selector, "el => el.getBoundingClientRect().top")


# The case first: a practice attempt cannot start while an exam is open (the tests below).
def check_case_page(page, viewport: str) -> None:  # type: ignore[no-untyped-def]
    earlier = page.locator("details.case-earlier")
    assert earlier.count() == 2
    assert all(earlier.nth(i).get_attribute("open") is None for i in range(2))
    first = earlier.first.locator("summary").inner_text()
    assert "Step 1" in first and ("✓" in first or "✗" in first), first
    # The page opened at the current step, with focus on it.
    assert page.evaluate("() => document.activeElement.id") == "current-step"
    bar_bottom = page.eval_on_selector("#exam-bar", "el => el.getBoundingClientRect().bottom")
    at_end = page.evaluate(
        "() => Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight"
    )
    top = top_of(page, "#current-step")
    assert bar_bottom - 5 <= top and (top < bar_bottom + 120 or at_end), (bar_bottom, top)
    # The navigator groups the case's steps under its title, with ✓/✗ for checked steps.
    assert page.locator(".quiz-nav-case").count() >= 1
    assert page.locator(".quiz-nav-item.is-right, .quiz-nav-item.is-wrong").count() == 2
    screenshot(page, f"exam-room-case-{viewport}")
    if viewport == "phone":
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, width
    assert_axe_clean(page)
    # An earlier step opens on demand (keyboard).
    earlier.first.locator("summary").focus()
    page.keyboard.press("Enter")
    assert earlier.first.get_attribute("open") is not None
    assert earlier.first.locator(".stem").is_visible()


def test_a_case_collapses_its_earlier_steps_and_opens_at_the_current_one(server):
    with browser_page(WAIT_MS, viewport="phone") as page:
        log_in(page, server)
        start(page, server, "cases-practice")
        position = int(re.search(r"/items/(\d+)$", page.url).group(1))
        assert position == 1
        for _ in range(2):  # answer two steps of the first case
            answer_by_keyboard(page)
            with page.expect_navigation():
                page.get_by_role("button", name="Save and next").click()
            position += 1
            page.wait_for_url(re.compile(rf".*/items/{position}$"))
        url = page.url
        check_case_page(page, "phone")
    with browser_page(WAIT_MS, viewport="desktop") as page:
        log_in(page, server)
        page.goto(url)
        check_case_page(page, "desktop")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_exam_room_keeps_the_timer_and_puts_the_question_first(server, viewport):
    with browser_page(WAIT_MS, viewport=viewport) as page:
        log_in(page, server)
        start(page, server, "anatomy-exam")
        # A focused layout: no site menu, no footer; the bar with the timer and "n of N".
        assert page.locator("nav[aria-label=Main]").count() == 0
        assert page.locator(".site-footer").count() == 0
        bar = page.locator("#exam-bar")
        assert re.search(r"\b1 of \d+", page.locator("#exam-progress").inner_text())
        assert page.locator("#countdown .countdown-left").inner_text().strip()
        # The end time in local clock time with its zone (UTC on this machine's browser).
        assert re.search(
            r"\d{1,2}:\d{2}.*\b(UTC|GMT|[A-Z]{3,4})\b", page.locator("#countdown time").inner_text()
        )
        bar_bottom = page.eval_on_selector("#exam-bar", "el => el.getBoundingClientRect().bottom")
        stem_top = top_of(page, "#stem")
        if viewport == "phone":
            # The question starts in the first ~200 px under the bar (it was 553 px down).
            assert stem_top - bar_bottom < 200, (bar_bottom, stem_top)
            nav = page.locator("#exam-nav")
            assert nav.get_attribute("open") is None  # a drawer, closed
            nav.locator("summary").focus()
            page.keyboard.press("Enter")  # opens by keyboard
            assert page.locator("#exam-nav .quiz-nav-item").first.is_visible()
            screenshot(page, "exam-room-phone-navigator")
            page.keyboard.press("Escape")
            assert nav.get_attribute("open") is None
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, width
        else:
            assert page.locator("#exam-nav .quiz-nav-item").first.is_visible()  # a column
        screenshot(page, f"exam-room-{viewport}")
        assert_axe_clean(page)
        # Scrolled to the bottom, the bar (and its timer) is still on screen.
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "() => window.pageYOffset > 0 || document.body.scrollHeight <= innerHeight"
        )
        assert bar.is_visible()
        assert 0 <= top_of(page, "#countdown") < 120
        screenshot(page, f"exam-room-{viewport}-scrolled")


def test_warnings_at_five_and_one_minutes_and_inputs_locked_at_time_up(server):
    expect = pytest.importorskip("playwright.sync_api").expect
    with browser_page(WAIT_MS, viewport="desktop") as page:
        page.clock.install()
        log_in(page, server, "trainee@demo.example")
        start(page, server, "anatomy-exam")
        alert = page.locator(".countdown-alert")
        assert alert.inner_text() == "" and not alert.is_visible()
        # Hide the timer: remembered on reload.
        page.get_by_role("button", name="Hide timer").click()
        assert not page.locator("#countdown").is_visible()
        page.reload()
        assert not page.locator("#countdown").is_visible()
        page.get_by_role("button", name="Show timer").click()
        assert page.locator("#countdown").is_visible()

        left = page.locator("#countdown .countdown-left").inner_text()
        minutes = int(re.search(r"(\d+) min", left).group(1))
        page.clock.fast_forward(f"{minutes - 4:02d}:00")  # 4 to 5 minutes left
        expect(alert).to_contain_text("5 minutes left")
        assert alert.is_visible() and alert.get_attribute("role") == "status"
        assert "is-warning" in (alert.get_attribute("class") or "")
        screenshot(page, "exam-room-five-minutes")

        page.clock.fast_forward("04:15")  # under a minute left
        expect(alert).to_contain_text("1 minute left")
        expect(page.locator("#countdown")).to_have_class(re.compile(r"is-urgent"))
        assert (
            page.locator(
                "#answer-form .answer :is(input, select):not([type=hidden]):not([disabled])"
            ).count()
            > 0
        )

        page.clock.fast_forward("01:05")  # past the deadline (not past the grace)
        expect(page.locator("body")).to_have_class(re.compile(r"is-time-up"))
        editable = (
            "#answer-form :is(input, select, textarea, button):not([type=hidden]):not([disabled])"
        )
        assert page.locator(editable).count() == 0
        assert page.locator("#time-up-notice").is_visible()
        assert "Time is up" in alert.inner_text()
        screenshot(page, "exam-room-time-up")
