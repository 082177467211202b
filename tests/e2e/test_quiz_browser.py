"""A real browser takes a practice module (keyboard only) and an exam module to their results.

The app runs as it does in production: gunicorn in a subprocess, on a temporary SQLite database
migrated with ``flask db upgrade`` and loaded with ``flask banks import question_banks`` and
``flask demo setup``. Chromium is Debian's (/usr/bin/chromium); without it these tests skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("e2e-instance")) as url:
        yield url


@pytest.fixture
def page(server):  # type: ignore[no-untyped-def]
    with browser_page() as tab:
        tab.console_errors = []  # type: ignore[attr-defined]
        tab.on(
            "console",
            lambda msg: tab.console_errors.append(msg.text)  # type: ignore[attr-defined]
            if msg.type == "error"
            else None,
        )
        yield tab


def log_in(page, server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill("trainee@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[-3000:]


def tab_to(page, selector: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def answer_by_keyboard(page) -> str:  # type: ignore[no-untyped-def]
    """Answer the question on the page with the keyboard; returns how, to check after reload."""
    kind = page.eval_on_selector("#answer-form .answer", "el => el.className")
    if "answer-ordering" in kind:
        # "Move down" on the first item always changes the order ("Move up" there cannot).
        tab_to(page, "#answer-form .ordering-controls button[aria-label^='Move down']")
        page.keyboard.press("Enter")
        return "select"
    if "answer-matching" in kind:
        tab_to(page, "#answer-form select")
        page.keyboard.press("ArrowDown")
        return "select"
    if "answer-numeric" in kind or "answer-short-answer" in kind:
        tab_to(page, "#answer-form .answer input[type=text]")
        page.keyboard.type("12")
        page.keyboard.press("Tab")  # leaving the field fires change
        return "text"
    tab_to(page, "#answer-form .answer :is(input[type=radio], input[type=checkbox])")
    page.keyboard.press("Space")
    return "checked"


def assert_answer_kept(page, how: str) -> None:  # type: ignore[no-untyped-def]
    if how == "checked":
        assert page.locator("#answer-form .answer input:checked").count() >= 1
    elif how == "text":
        assert page.locator("#answer-form .answer input[type=text]").first.input_value() == "12"
    else:
        values = page.eval_on_selector_all(
            "#answer-form .answer select", "els => els.map(e => e.value)"
        )
        assert any(values), values


def submit_from_summary(page, server: str, attempt_url: str) -> None:  # type: ignore[no-untyped-def]
    attempt_id = re.search(r"/attempts/(\d+)/", attempt_url).group(1)
    page.goto(f"{server}/attempts/{attempt_id}/summary")
    tab_to(page, "input[name=confirm]")
    page.keyboard.press("Space")
    tab_to(page, ".submit-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/attempts/{attempt_id}/result$"))


def test_practice_module_by_keyboard_with_autosave_and_check(server, page):
    log_in(page, server)
    page.goto(f"{server}/modules/anatomy-practice")
    tab_to(page, "form[action$='/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/attempts/\d+/items/1$"))
    take_url = page.url

    how = answer_by_keyboard(page)
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator("#save-status")).to_contain_text("Saved")
    page.reload()
    assert_answer_kept(page, how)  # the background save reached the server
    assert page.locator(".feedback").count() == 0

    tab_to(page, "button[value=check]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    feedback = page.locator(".feedback")
    assert feedback.count() == 1, page.content()[-4000:]
    assert "References" in feedback.inner_text()
    editable = "#answer-form .answer input:not([disabled]):not([type=hidden])"
    assert page.locator(editable).count() == 0  # the checked item is locked

    # The next question, by the "Save and next" button.
    page.goto(take_url)
    tab_to(page, "button[value=next]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/items/2$"))
    assert (
        page.locator("nav[aria-label=Questions] a[aria-current=step]").inner_text().startswith("2")
    )

    submit_from_summary(page, server, take_url)
    assert page.get_by_role("heading", name="Result").is_visible()
    assert "Explanation" in page.content()  # practice: full review
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]


def test_exam_module_to_its_result(server, page):
    log_in(page, server)
    page.goto(f"{server}/modules/anatomy-exam")
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+/items/1$"))
    take_url = page.url
    assert page.locator("#countdown .countdown-left").inner_text().strip() != ""
    assert page.locator(".feedback").count() == 0
    assert "zzkeyzz" not in page.content().lower()
    if AXE.exists():
        page.evaluate(AXE.read_text())  # through DevTools: the page's CSP is left as it is
        result = page.evaluate("async () => await axe.run(document)")
        bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, bad
    answer_by_keyboard(page)
    page.get_by_role("button", name="Save and next").click()
    page.wait_for_url(re.compile(r".*/items/2$"))
    first = page.locator("nav[aria-label=Questions] li").first
    assert "is-answered" in (first.get_attribute("class") or "")  # ✓/✗ only once checked
    assert "●" in first.inner_text()
    submit_from_summary(page, server, take_url)
    assert page.get_by_role("heading", name="Result").is_visible()
    assert "Score" in page.content()
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
