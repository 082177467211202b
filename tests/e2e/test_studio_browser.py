"""The studio and A7 in a real browser: no payload runs, the CSP is sent, studio.js works.

The app runs under gunicorn on a temporary SQLite database (as in test_quiz_browser.py), loaded
with the curriculum, the demo accounts and one extra bank whose published question and case
carry every XSS payload of SECURITY.md A7 in their Markdown and their plain-text titles.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from tests.e2e.support import PASSWORD, app_server, browser_page

pytestmark = pytest.mark.e2e

PAYLOAD = (
    "Hello <script>alert('script')</script> <img src=x onerror=\"alert('img')\"> "
    "<svg onload=alert('svg')></svg> <a href=\"javascript:alert('a')\">a</a> "
    "[md](javascript:alert('md')) <iframe srcdoc=\"<script>alert('iframe')</script>\"></iframe> "
    "<p style=\"background:url(javascript:alert('style'))\">styled</p> "
    "<a href=\"data:text/html,<script>alert('data')</script>\">data</a>"
)
NAME = "<script>alert('title')</script><img src=x onerror=alert('title2')>"


def _bank() -> str:
    import json

    stem = json.dumps(PAYLOAD)
    title = json.dumps(NAME)
    return f"""
topics:
  - {{id: xss-e2e, title: XSS check}}
questions:
  - key: xss-e2e-q1
    topic: xss-e2e
    type: single_choice
    status: published
    use: practice
    stem: {stem}
    references: [Ref]
    options:
      - {{id: a, text: {stem}, correct: true}}
      - {{id: b, text: Other}}
cases:
  - key: xss-e2e-case
    topic: xss-e2e
    status: published
    use: practice
    title: {title}
    vignette: {stem}
    steps:
      - disclosure: {stem}
        question:
          key: xss-e2e-c1
          type: true_false
          stem: {stem}
          references: [Ref]
          answer: true
modules:
  - slug: xss-e2e
    title: {title}
    mode: practice
    blueprint: [{{topic: xss-e2e, count: 1}}]
    cases: [{{topic: xss-e2e, count: 1}}]
# A program, so that the demo trainee (enrolled in every program by `demo setup`) sees it.
programs:
  - slug: xss-e2e
    title: XSS e2e
    modules: [xss-e2e]
    validity_months: 12
    ce_hours: 1
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("e2e-studio")
    bank = instance / "xss.yaml"
    bank.write_text(_bank(), encoding="utf-8")
    with app_server(instance, extra_banks=(bank,)) as url:
        yield url


@pytest.fixture
def page(server):  # type: ignore[no-untyped-def]
    with browser_page() as tab:
        tab.dialogs = []  # type: ignore[attr-defined]

        def on_dialog(dialog):  # type: ignore[no-untyped-def]
            tab.dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.dismiss()

        tab.on("dialog", on_dialog)
        yield tab


def log_in(page, server: str, who: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill(f"{who}@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[-3000:]


def visit(page, url: str):  # type: ignore[no-untyped-def]
    """Open ``url``; assert the strict CSP came with it; let any script have its chance."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    csp = response.headers.get("content-security-policy", "")
    assert "nonce-" in csp and "object-src 'none'" in csp, csp
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    return response


def test_payloads_do_not_run_on_the_trainee_take_page(page, server):  # type: ignore[no-untyped-def]
    log_in(page, server, "trainee")
    visit(page, f"{server}/modules/xss-e2e")
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_url("**/attempts/*/items/*")
    take = page.url
    visit(page, take)
    assert "Hello" in page.content()
    # The case step (item 2) shows the vignette and its disclosure.
    visit(page, take.rsplit("/", 1)[0] + "/2")
    assert page.evaluate("document.querySelectorAll('script:not([nonce])').length") == 0
    assert page.evaluate("document.querySelectorAll('iframe, [onerror], [onload]').length") == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_studio_preview_is_sanitised_and_the_admin_review_page_runs_nothing(page, server):  # type: ignore[no-untyped-def]
    log_in(page, server, "instructor")
    visit(page, f"{server}/studio/questions/new?type=single_choice")
    page.get_by_label("Key").fill("xss-e2e-authored")
    stem = page.locator("#stem")
    stem.fill("Typed **bold** text")
    preview = page.locator(".md-preview-body")
    preview.locator("strong", has_text="bold").wait_for()
    stem.fill(PAYLOAD)
    preview.locator("text=styled").wait_for()
    assert "Hello" in preview.inner_html()
    live = preview.evaluate(
        """(el) => el.querySelectorAll(
            'script, iframe, svg, img, [onerror], [onload], [style], [srcdoc],'
            + ' a[href^="javascript:"], a[href^="data:"]').length"""
    )
    assert live == 0, preview.inner_html()
    # Fill the rest and save (the two spare starter rows removed with the row buttons).
    page.locator("#options-0-text").fill("Right")
    page.locator("#options-0-correct").check()
    page.locator("#options-1-text").fill("Wrong")
    page.get_by_role("button", name="Remove row 4").click()
    page.get_by_role("button", name="Remove row 3").click()
    page.locator("#stem").fill(PAYLOAD)
    page.locator("#references").fill("Ref")
    page.locator("#options-0-text").fill("Right")
    page.locator("#options-1-text").fill("Wrong")
    page.get_by_role("button", name="Save draft").last.click()
    page.wait_for_url("**/revisions/*/edit")
    revision = page.url.rsplit("/", 1)[0]
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_load_state()
    page.goto(f"{server}/")
    page.locator("form[action='/logout'] button").click()
    log_in(page, server, "admin")
    visit(page, revision)
    assert "Hello" in page.locator("[aria-label='Trainee preview']").inner_html()
    visit(page, f"{server}/studio/")
    visit(page, f"{server}/admin/users")
    assert page.dialogs == []  # type: ignore[attr-defined]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 200), (220, 220, 220)).save(out, format="PNG")
    return out.getvalue()


def test_hotspot_drawing_fills_the_polygon_field(page, server, tmp_path):  # type: ignore[no-untyped-def]
    log_in(page, server, "instructor")
    visit(page, f"{server}/studio/media")
    image = tmp_path / "diagram.png"
    image.write_bytes(_png())
    page.locator("input[type=file]").set_input_files(str(image))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    visit(page, f"{server}/studio/questions/new?type=hotspot")
    select = page.locator("select[name=image]")
    select.select_option(index=1)
    img = page.locator("#draw-image")
    img.wait_for(state="visible")
    page.wait_for_function("document.getElementById('draw-image').naturalWidth > 0")
    box = img.bounding_box()
    assert box is not None and box["width"] > 0
    img.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.5})
    img.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.5})
    img.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.1})
    value = page.locator("#regions-0-points").input_value()
    points = [tuple(float(c) for c in p.split(",")) for p in value.split()]
    expected = [(0.25, 0.5), (0.75, 0.5), (0.5, 0.1)]
    assert len(points) == 3
    for (x, y), (ex, ey) in zip(points, expected, strict=True):
        assert abs(x - ex) <= 0.01 and abs(y - ey) <= 0.01, value
    assert page.locator("#draw-overlay polygon").count() == 1
    # Another region is drawn into its own field.
    page.locator("#draw-target").select_option("1")
    img.click(position={"x": box["width"] * 0.9, "y": box["height"] * 0.9})
    assert page.locator("#regions-1-points").input_value() in (
        "0.9,0.9",
        "0.899,0.899",
        "0.9,0.899",
    )
    assert page.dialogs == []  # type: ignore[attr-defined]
