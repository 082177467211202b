"""The studio in a real browser (issue 18): a duplicate key is a plain error on the key with the
draft kept; standard setting goes from the first item to a recorded pass mark, approved by an
administrator other than the proposer (four eyes). Screenshots in build/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page, screenshot

# The server fixture (migrate, import the banks, demo setup) runs in the first test's time.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # One judge suffices on this demo panel so that one browser session can finish it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STANDARD_SETTING_MIN_JUDGES", "1")
        with app_server(tmp_path_factory.mktemp("e2e-studio")) as url:
            yield url


def log_in(page, server: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[-3000:]


def no_serious_axe_violations(page) -> None:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        return
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_duplicate_key_is_a_plain_error_on_the_key_and_the_draft_is_kept(server, viewport):
    with browser_page(viewport=viewport) as page:
        log_in(page, server, "instructor@demo.example")
        page.goto(f"{server}/studio/?q=saf")
        taken = page.locator("#questions table tbody tr td a").first.inner_text().strip()
        page.goto(f"{server}/studio/questions/new?type=single_choice")
        page.locator("#key").fill(taken)
        page.locator("#stem").fill("Which structure lies deep to the trapezius? (typed draft)")
        page.locator("#options-0-text").fill("Rhomboid major")
        page.locator("#options-0-correct").check()
        page.locator("#options-1-text").fill("Latissimus dorsi")
        page.locator("#references").fill("A reference typed by the author")
        page.get_by_role("button", name="Save draft").last.click()
        page.wait_for_load_state()
        summary = page.locator("#error-summary")
        assert summary.is_visible()
        link = summary.locator('a[href="#key"]')
        assert "is already the key of another question" in link.inner_text()
        key = page.locator("#key")
        assert key.get_attribute("aria-invalid") == "true"
        assert key.get_attribute("aria-describedby") == "key-error"
        assert key.input_value() == taken
        assert "(typed draft)" in page.locator("#stem").input_value()
        assert page.locator("#options-1-text").input_value() == "Latissimus dorsi"
        assert "Conflict" not in page.content() and "409" not in page.title()
        link.click()
        assert page.evaluate("() => location.hash") == "#key"
        screenshot(page, f"studio-duplicate-key-{viewport}")
        no_serious_axe_violations(page)


def test_standard_setting_from_the_first_item_to_an_applied_pass_mark(server):
    base = f"{server}/studio/modules/final-exam/standard-setting"
    with browser_page(viewport="desktop") as page:
        log_in(page, server, "instructor@demo.example")
        page.goto(base)
        total = int(re.search(r"0 of (\d+) rated", page.content()).group(1))
        page.get_by_role("link", name="Start rating").click()
        page.wait_for_url(re.compile(r".*/items/1$"))
        assert page.locator(".fb-mark-key, .key-text").count() >= 1  # the key is shown
        for position in (1, 2):
            assert f"Item {position} of {total}" in page.content()
            page.get_by_label(re.compile("Probability that a minimally competent")).fill("0.7")
            page.get_by_role("button", name="Save and go to the next item").click()
            page.wait_for_url(re.compile(rf".*/items/{position + 1}$"))
        assert f"2 of {total} rated" in page.content()
        screenshot(page, "studio-standard-setting-item-desktop")
        no_serious_axe_violations(page)
        # The rest as a judge on paper would enter them: the overview's one-form POST.
        page.goto(base)
        keys = page.eval_on_selector_all(
            ".ss-items tbody tr", "rows => rows.map(r => r.dataset.key)"
        )
        assert len(keys) == total
        token = page.locator('input[name="csrf_token"]').first.input_value()
        form = {"csrf_token": token, **{f"r_{k}": "0.7" for k in keys}}
        response = page.request.post(base, form=form, max_redirects=0)
        assert response.status == 302, (keys[:3], response.text()[:2000])
        page.goto(base)
        progress = page.locator("#ss-progress-text").inner_text()
        flashes = page.locator(".flash").all_inner_texts()
        assert f"{total} of {total} rated" in progress, (progress, flashes)
        page.get_by_label("Method").select_option("angoff")
        page.get_by_role("button", name="Propose this pass mark").click()
        page.wait_for_url(re.compile(r".*/pass-mark/\d+$"))
        assert "Proposed pass mark: 70 %" in page.content()
        assert "waiting for approval" in page.content()
        result_url = page.url
        screenshot(page, "studio-pass-mark-proposed-desktop")
    with browser_page(viewport="desktop") as admin:
        log_in(admin, server, "admin@demo.example")
        admin.goto(f"{server}/admin/rule-changes")
        admin.locator('input[name="confirm"]').first.check()
        admin.locator('form[action*="/apply"] button[type="submit"]').first.click()
        admin.wait_for_load_state()
        admin.goto(result_url)
        assert "applied" in admin.content()
        assert "Current pass mark" in admin.content()
        screenshot(admin, "studio-pass-mark-applied-desktop")
