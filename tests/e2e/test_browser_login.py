"""A real browser (Debian's Chromium via Playwright) registers, logs out and logs in."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from app.extensions import limiter
from tests.e2e.support import browser_page
from tests.mailbox import latest_link

pytestmark = [pytest.mark.e2e, pytest.mark.committed_db]

PASSWORD = "lantern orchard velvet compass 7"


@pytest.fixture
def live_server(app, db_session) -> Iterator[str]:
    with app.app_context():
        limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    with browser_page() as tab:
        yield tab


def test_register_logout_login_keyboard_and_no_csp_errors(live_server, page, db_session):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/register")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("E-mail").fill("browser@example.org")
    page.get_by_role("button", name="Send me a link").click()
    # is_visible() does not wait: wait for the page the form posts to, then check it.
    page.get_by_role("heading", name="Check your mailbox").wait_for(state="visible")
    page.goto(live_server + latest_link(db_session, "browser@example.org", "/register/complete/"))
    page.get_by_label("Full name").fill("Browser Trainee")
    page.get_by_label("Profession").select_option("physical_therapist")
    page.get_by_label("Licence number").fill("PT-42")
    page.get_by_label("Jurisdiction").select_option("Ontario")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server}/dashboard")  # /home → trainee dashboard
    assert "Welcome, Browser Trainee" in page.content()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server}/login")
    page.get_by_label("E-mail").fill("browser@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/dashboard")  # /home → trainee dashboard
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert not errors, errors


@pytest.mark.parametrize(
    ("role", "landing", "heading"),
    [("instructor", "/studio/", "Studio"), ("admin", "/admin/", "Admin")],
)
def test_staff_land_on_their_own_home_after_login(
    live_server, page, db_session, role, landing, heading
):
    from tests.factories import make_user

    user = make_user(role, password=PASSWORD)
    db_session.commit()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}{landing}")  # /home → studio / admin dashboard
    assert heading in page.get_by_role("heading", level=1).first.inner_text()
