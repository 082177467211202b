"""The tool inside a platform's iframe, in Debian's Chromium: the OIDC login and the launch
run through the real routes inside the frame, the module renders there, a learner takes it
and the platform's AGS endpoint receives the score; a page of another (unregistered) origin
framing the tool is refused by ``frame-ancestors``.

Sites: the platform's pages are served on ``http://localhost:<port>``, the tool (gunicorn,
TLS with a throwaway self-signed certificate, which the browser context accepts) on
``https://127.0.0.1:<port>``: two different sites, so the frame is a third-party context
where only ``SameSite=None; Secure`` cookies reach the tool. The tool sets those (and
``Partitioned``) on LTI sessions and on pylti1p3's state cookie only when the request is
https (``request.is_secure``); over plain http it keeps ``SameSite=Lax`` (and pylti1p3 sets
no SameSite), which Chromium does not send into a cross-site frame, so the tool is served
over https here. Whether Chromium would keep ``Secure`` cookies from http://127.0.0.1 was not
relied on nor tested."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import re
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.e2e.support import (
    BIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    ROOT,
    flask_cli,
    free_port,
    screenshot,
)
from tests.lti.platform import AGS, LTI, SCORE_SCOPE, Platform

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]  # the setup imports the banks
MODULE = "anatomy-exam"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (the browser context ignores who signed it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tool.crt", folder / "tool.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


UNVERIFIED = ssl._create_unverified_context()  # our own throwaway certificate


@contextlib.contextmanager
def tls_app_server(instance: Path, register: Any) -> Iterator[str]:
    """The demo app under gunicorn over https on 127.0.0.1; ``register(env, url)`` runs the
    CLI against its database before it starts."""
    if not Path(CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is not installed (Debian chromium; scripts/test-deps)")
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = {**os.environ, "INSTANCE_PATH": str(instance),
           "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}", "SECRET_KEY": "e2e-secret-key",
           "DEMO_PASSWORD": PASSWORD, "APP_ENV": "development", "RATELIMIT_ENABLED": "false",
           "PUBLIC_BASE_URL": url}  # fmt: skip
    env.pop("TEST_DATABASE_URL", None)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "banks", "import", "question_banks")
    flask_cli(env, "demo", "setup", "--skip-banks")
    register(env, url)
    cert, key = self_signed(instance)
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2",
         "--certfile", str(cert), "--keyfile", str(key), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/login", timeout=1, context=UNVERIFIED).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class PlatformPages:
    """The platform's web pages on http://localhost:<port>: a course page framing the tool
    (its iframe starts the OIDC login) and the OIDC authentication endpoint, which answers
    with the signed id_token form-posted to the tool's redirect URI (inside the frame)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.tool = ""
        self.servers: list[ThreadingHTTPServer] = []

    def serve(self) -> str:
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path == "/course":
                    body = pages.course_page()
                elif path == "/auth":
                    body = pages.auth_page(parse_qs(query))
                else:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return f"http://localhost:{server.server_address[1]}"

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def course_page(self) -> str:
        p = self.platform
        start = self.tool + "/lti/login?" + urlencode({
            "iss": p.issuer, "client_id": p.client_id, "login_hint": "learner-7",
            "lti_deployment_id": p.deployment_id, "target_link_uri": self.tool + "/lti/launch",
        })  # fmt: skip
        return (
            '<!doctype html><html lang="en"><title>Course</title><h1>Course page</h1>'
            f'<iframe name="tool" title="Dry Needling Academy" src="{start}" '
            'width="1100" height="700"></iframe></html>'
        )

    def auth_page(self, query: dict[str, list[str]]) -> str:
        p = self.platform
        ask = {k: v[0] for k, v in query.items()}
        assert ask["redirect_uri"] == self.tool + "/lti/launch", ask
        assert ask["login_hint"] == "learner-7" and ask["response_mode"] == "form_post"
        token = p.id_token(
            ask["nonce"],
            sub="learner-7",
            name="Framed Learner",
            **{LTI + "custom": {"module": MODULE},
               LTI + "target_link_uri": self.tool + "/lti/launch",
               AGS: {"scope": [SCORE_SCOPE], "lineitem": f"{p.issuer}/lineitems/1"}},
        )  # fmt: skip
        return (
            '<!doctype html><html lang="en"><title>Signing in</title>'
            f'<form method="post" action="{ask["redirect_uri"]}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{ask["state"]}"></form>'
            "<script>document.forms[0].submit()</script></html>"
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Platform, Any]]:
    platform = Platform()
    platform.start()
    pages = PlatformPages(platform)
    web = pages.serve()

    def register(env: dict[str, str], url: str) -> None:
        flask_cli(env, "lti", "platforms", "add", "--name", "Framing platform",
                  "--issuer", platform.issuer, "--client-id", platform.client_id,
                  "--deployment", platform.deployment_id,
                  "--keyset-url", f"{platform.issuer}/keyset", "--auth-url", f"{web}/auth",
                  "--token-url", f"{platform.issuer}/token", "--frame-ancestor", web)  # fmt: skip

    try:
        with tls_app_server(tmp_path_factory.mktemp("e2e-lti"), register) as tool:
            pages.tool = tool
            with urllib.request.urlopen(f"{tool}/lti/jwks.json", context=UNVERIFIED) as r:
                platform.tool_keyset = json.load(r)  # as a platform fetches the tool's keyset
            yield tool, platform, pages
    finally:
        pages.stop()
        platform.stop()


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(ignore_https_errors=True)
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.console_messages = []  # type: ignore[attr-defined]
            page.on("console", lambda m: page.console_messages.append(m.text))  # type: ignore[attr-defined]
            yield page
            context.close()
        finally:
            chromium.close()


def tool_frame(page: Any) -> Any:
    for _ in range(100):
        frame = page.frame(name="tool")
        if frame is not None:
            return frame
        time.sleep(0.1)
    raise AssertionError("no tool frame")


def test_a_learner_takes_the_module_inside_the_platform_frame(world):
    tool, platform, pages = world
    web = f"http://localhost:{pages.servers[0].server_address[1]}"
    with browser() as page:
        page.goto(f"{web}/course")
        frame = tool_frame(page)
        frame.wait_for_url(re.compile(rf".*/modules/{MODULE}$"))
        assert frame.get_by_role("button", name="Start attempt").is_visible()
        screenshot(page, "lti-module-in-platform-frame")
        cookies = {c["name"]: c for c in page.context.cookies(tool)}
        session = cookies["session"]
        assert session["sameSite"] == "None" and session["secure"], session

        frame.get_by_role("button", name="Start attempt").click()
        frame.wait_for_url(re.compile(r".*/attempts/\d+/items/1$"))
        attempt_id = re.search(r"/attempts/(\d+)/", frame.url).group(1)
        frame.goto(f"{tool}/attempts/{attempt_id}/summary")
        frame.locator("input[name=confirm]").check()
        frame.locator(".submit-form button[type=submit]").click()
        frame.wait_for_url(re.compile(rf".*/attempts/{attempt_id}/result$"))
        assert frame.get_by_role("heading", name="Result").is_visible()
        screenshot(page, "lti-result-in-platform-frame")

    for _ in range(100):  # posted after the response, by the app server
        if platform.scores:
            break
        time.sleep(0.1)
    assert platform.refused == []
    [score] = platform.scores
    assert score["userId"] == "learner-7" and score["gradingProgress"] == "FullyGraded"
    assert score["scoreMaximum"] > 0


def test_a_page_of_an_unregistered_origin_cannot_frame_the_tool(world):
    tool, platform, pages = world
    evil = pages.serve()  # the same pages, on another origin: not a registered frame ancestor
    with browser() as page:
        page.goto(f"{evil}/course")
        frame = tool_frame(page)
        for _ in range(100):
            if any("frame-ancestors" in m for m in page.console_messages):
                break
            time.sleep(0.1)
        refusals = [m for m in page.console_messages if "frame-ancestors" in m]
        assert refusals, page.console_messages
        assert pages.servers[0].server_address[1] != urlsplit(evil).port
        assert frame.locator("text=Start attempt").count() == 0
        screenshot(page, "lti-unregistered-origin-refused")


def test_lti_cookies_are_samesite_none_only_on_lti_sessions(world):
    tool, _platform, _pages = world
    with urllib.request.urlopen(f"{tool}/login", context=UNVERIFIED) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    assert cookies and all("SameSite=Lax" in c and "SameSite=None" not in c for c in cookies)
