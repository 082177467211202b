"""Every page type, as a visitor and as the demo accounts, at 1280 × 800 and 390 × 844 (issue 18).

For each page: axe-core finds no serious or critical violation, and the page does not overflow
horizontally on the phone (``document.documentElement.scrollWidth <= 390 + 1``; the failure
names the elements that stick out). A screenshot of each is kept as
``build/screenshots/<name>-<viewport>.png``.

One server and one browser for the whole module; each role logs in once per viewport (its
browser context is reused by every page of that role).
"""

from __future__ import annotations

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

# The first test also starts the server (migrate, import the banks, demo data): slow on a busy
# machine, so more than the default 120 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE_WIDTH = VIEWPORTS["phone"]["width"]

ACCOUNTS = {
    "trainee": "trainee@demo.example",
    "instructor": "instructor@demo.example",
    "admin": "admin@demo.example",
}

# (name, role or None for a visitor, path; "{attempt}" and "{result}" are filled in)
PAGES: list[tuple[str, str | None, str]] = [
    ("landing", None, "/"),
    ("login", None, "/login"),
    ("register", None, "/register"),
    ("forgot", None, "/password/forgot"),
    ("verify", None, "/verify"),
    ("error-404", None, "/no-such-page"),
    ("error-403", "trainee", "/admin/"),
    ("dashboard", "trainee", "/dashboard"),
    ("modules", "trainee", "/modules"),
    ("module", "trainee", "/modules/anatomy-practice"),
    ("attempt", "trainee", "{attempt}"),
    ("result", "trainee", "{result}"),
    ("practice", "trainee", "/practice"),
    ("certificates", "trainee", "/certificates"),
    ("account", "trainee", "/profile"),
    ("studio", "instructor", "/studio/"),
    ("studio-edit", "instructor", "/studio/questions/new"),
    ("item-analysis", "instructor", "/studio/modules/anatomy-exam/analysis"),
    ("cohort", "instructor", "/cohort"),
    ("admin", "admin", "/admin/"),
    ("review-queue", "admin", "/admin/completions"),
    ("settings", "admin", "/admin/settings"),
]

# Pages owned by other helpers whose failures cannot be fixed from app.css: name -> reason.
# (Empty when every page passes; the done file lists what was seen.)
KNOWN: dict[str, str] = {}

OVERFLOW_JS = """(limit) => {
  const scrolls = '.table-region, .table-wrap, pre, [data-scrolls]';
  const sticksOut = (el) => el.getBoundingClientRect().right > limit + 1;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || !sticksOut(el)) continue;
    if (el.parentElement && el.parentElement.closest(scrolls)) continue;  // scrolls inside
    if (Array.from(el.children).some(sticksOut)) continue;  // name the innermost
    const id = el.id ? '#' + el.id : '';
    const names = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
    const cls = names.filter(Boolean).map((c) => '.' + c).join('');
    out.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(r.right)}px)`);
    if (out.length >= 10) break;
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("a11y-instance")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Sessions:
    """One browser context per (role, viewport), logged in once; the trainee's attempt URLs."""

    def __init__(self, browser: Any, server: str) -> None:
        self.browser, self.server = browser, server
        self.contexts: dict[tuple[str | None, str], Any] = {}
        self.urls: dict[str, str] = {}

    def context(self, role: str | None, viewport: str) -> Any:
        key = (role, viewport)
        if key not in self.contexts:
            context = self.browser.new_context(viewport=VIEWPORTS[viewport])
            context.set_default_timeout(15_000)
            if role is not None:
                log_in(context.new_page(), self.server, ACCOUNTS[role])
            self.contexts[key] = context
        return self.contexts[key]

    def path(self, template: str) -> str:
        if "{" not in template:
            return template
        if not self.urls:
            self.urls = trainee_attempts(self.context("trainee", "desktop"), self.server)
        return template.format(**self.urls)

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def sessions(browser: Any, server: str) -> Iterator[Sessions]:
    kept = Sessions(browser, server)
    yield kept
    kept.close()


def log_in(page: Any, server: str, email: str) -> None:
    page.goto(f"{server}/login")
    page.locator("main").get_by_label("E-mail").fill(email)
    page.locator("main").get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[-2000:]
    page.close()


def trainee_attempts(context: Any, server: str) -> dict[str, str]:
    """An attempt in progress and a submitted one (practice module), as the demo trainee."""
    page = context.new_page()
    urls = {}
    for kind in ("result", "attempt"):
        page.goto(f"{server}/modules/anatomy-practice")
        page.locator("form[action$='/start'] button").first.click()
        page.wait_for_url(re.compile(r".*/attempts/\d+/items/1$"))
        attempt_id = re.search(r"/attempts/(\d+)/", page.url).group(1)
        urls["attempt"] = f"/attempts/{attempt_id}/items/1"
        if kind == "result":
            page.goto(f"{server}/attempts/{attempt_id}/summary")
            page.locator("input[name=confirm]").check()
            page.locator(".submit-form button[type=submit]").click()
            page.wait_for_url(re.compile(rf".*/attempts/{attempt_id}/result$"))
            urls["result"] = f"/attempts/{attempt_id}/result"
    page.close()
    return urls


def serious(page: Any) -> list[str]:
    page.evaluate(AXE.read_text())  # through DevTools: the page's CSP is left as it is
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def cases() -> list[Any]:
    out = []
    for viewport in VIEWPORTS:
        for name, role, path in PAGES:
            marks = [pytest.mark.xfail(strict=False, reason=KNOWN[name])] if name in KNOWN else []
            out.append(
                pytest.param(name, role, path, viewport, id=f"{name}-{viewport}", marks=marks)
            )
    return out


@pytest.mark.parametrize(("name", "role", "path", "viewport"), cases())
def test_page_has_no_serious_axe_violation_and_no_phone_overflow(
    sessions: Sessions, name: str, role: str | None, path: str, viewport: str
) -> None:
    assert AXE.exists(), "axe-core is vendored at tests/e2e/vendor/axe.min.js"
    url = sessions.server + sessions.path(path)
    page = sessions.context(role, viewport).new_page()
    try:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.locator("main#main").count() == 1, f"{name}: no main landmark"
        tall = (
            page.evaluate("document.documentElement.scrollHeight")
            > 4 * VIEWPORTS[viewport]["height"]
        )
        screenshot(page, f"{name}-{viewport}", full_page=not tall)
        problems = [f"axe: {v}" for v in serious(page)]
        if viewport == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH + 1:
                wide = page.evaluate(OVERFLOW_JS, PHONE_WIDTH)
                problems.append(f"overflows to {width}px at {PHONE_WIDTH}px: {wide}")
        problems += [f"script error: {e}" for e in errors]
        assert not problems, f"{name} at {viewport} ({url}):\n" + "\n".join(problems)
    finally:
        page.close()


def test_phone_menu_is_a_drawer_and_desktop_menu_is_open(sessions: Sessions) -> None:
    """The site menu: closed behind a button on the phone (opens on demand), open on desktop."""
    phone = sessions.context("trainee", "phone").new_page()
    desktop = sessions.context("trainee", "desktop").new_page()
    try:
        phone.goto(f"{sessions.server}/dashboard")
        nav = phone.get_by_role("navigation", name="Main")
        assert not nav.is_visible()
        phone.locator(".site-menu-button").click()
        assert nav.is_visible()
        assert nav.get_by_role("link", name="Modules").is_visible()
        desktop.goto(f"{sessions.server}/dashboard")
        assert desktop.get_by_role("navigation", name="Main").is_visible()
        assert not desktop.locator(".site-menu-button").is_visible()
    finally:
        phone.close()
        desktop.close()


def test_tables_are_keyboard_regions_and_cards_on_the_phone(sessions: Sessions) -> None:
    """app.js wraps each table in a focusable region named by its caption and labels each cell
    with its column header; at phone width the rows are cards (the cohort page, unchanged)."""
    page = sessions.context("instructor", "phone").new_page()
    try:
        page.goto(f"{sessions.server}/cohort")
        region = page.get_by_role("region", name="Trainees with their progress")
        assert region.get_attribute("tabindex") == "0"
        region.focus()
        assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
        first = region.locator("tbody tr").first.locator("td, th").first
        assert first.get_attribute("data-label") == "Name"
        assert first.evaluate("el => getComputedStyle(el).display") == "grid"
        assert region.locator("thead").evaluate("el => el.getBoundingClientRect().height") <= 1
    finally:
        page.close()
