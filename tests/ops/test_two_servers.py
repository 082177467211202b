"""Two app servers (gunicorn, from gunicorn.conf.py) on different ports, one database, one
Redis: a trainee's session moves freely between them, and the login limit counts across both.

A browser's cookies are kept once for both servers, as behind a load balancer without sticky
sessions. Runs on the test database of the phase (the shared SQLite file, or PostgreSQL); skips
only when Redis is not reachable.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import csrf_token_from
from tests.quiz.bank import build_bank

pytestmark = pytest.mark.committed_db

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/7"
ACCOUNT_LIMIT = 4  # LOGIN_RATE_LIMIT_ACCOUNT for the servers: 4 per minute, in total
PASSWORD = factories.DEFAULT_PASSWORD


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: Any
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 302 is an answer to look at, not to follow


class Browser:
    """One set of cookies for every server (cookies do not depend on the port)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def call(self, server: Server, method: str, path: str, **kw: Any) -> Reply:
        data, headers = None, dict(kw.get("headers") or {})
        if "form" in kw:
            data = urllib.parse.urlencode(kw["form"]).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if "json" in kw:
            data = json.dumps(kw["json"]).encode()
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(server.base + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                reply = Reply(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as exc:
            reply = Reply(exc.code, exc.headers, exc.read().decode())
        self._remember(reply.headers.get_all("Set-Cookie") or [])
        return reply

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


class Server:
    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name, self.port, self.log = name, _free_port(), log
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORT": str(self.port)}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the master and its workers
            )

    def wait_healthy(self) -> dict[str, str]:
        deadline = time.monotonic() + 90  # each worker imports the app before it answers
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.output()
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=10) as response:
                    return json.loads(response.read())
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise AssertionError(f"server {self.name} did not answer /healthz:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def servers(app, db_session, tmp_path):
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379: the servers need a shared store")
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
    env.update(
        DATABASE_URL=url,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"two-servers-{uuid.uuid4().hex[:8]}",
        LOGIN_RATE_LIMIT_ACCOUNT=f"{ACCOUNT_LIMIT}/minute",
        SECRET_KEY="shared-by-both-servers",
        INSTANCE_PATH=str(tmp_path / "instance"),
        APP_ENV="development",
        HOST="127.0.0.1",
        WEB_CONCURRENCY="2",
    )
    env.pop("GUNICORN_BIND", None)
    pair = [Server(name, env, tmp_path / f"{name}.log") for name in ("A", "B")]
    try:
        for server in pair:
            server.start()
        for server in pair:
            assert server.wait_healthy() == {"status": "ok", "database": "ok", "redis": "ok"}
        yield pair
    finally:
        for server in pair:
            server.stop()


@pytest.mark.timeout(240)  # two servers booting on a busy 2-core machine; usually ~30 s
def test_a_session_moves_between_servers_and_login_limits_count_across_both(
    db_session, tmp_path, servers
):
    a, b = servers
    build_bank(db_session, tmp_path / "bank")
    trainee = factories.make_user("trainee", email=f"two-{uuid.uuid4().hex[:8]}@example.org")
    target = factories.make_user("trainee", email=f"target-{uuid.uuid4().hex[:8]}@example.org")
    db_session.commit()
    browser = Browser()

    # Log in on A (the form, with its CSRF token).
    token = csrf_token_from(browser.call(a, "GET", "/login").text)
    form = {"email": trainee.email, "password": PASSWORD, "csrf_token": token}
    assert browser.call(a, "POST", "/login", form=form).status == 302
    profile = browser.call(b, "GET", "/profile")  # B knows the session A opened
    assert profile.status == 200 and trainee.email in profile.text
    token = csrf_token_from(profile.text)

    # Start on A, save on B, see it on A, submit on A, see the result on B.
    started = browser.call(a, "POST", "/modules/types-exam/start", form={"csrf_token": token})
    assert started.status == 302, started.text[:500]
    attempt_id = int(re.search(r"/attempts/(\d+)/", started.headers["Location"]).group(1))
    on_b = browser.call(b, "GET", f"/api/v1/attempts/{attempt_id}")
    assert on_b.status == 200 and on_b.json["status"] == "in_progress"
    item = next(i for i in on_b.json["items"] if i["type"] == "numeric")
    saved = browser.call(
        b,
        "PUT",
        f"/api/v1/attempts/{attempt_id}/items/{item['id']}",
        json={"response": {"value": 20}, "seq": item["seq"]},
        headers={"X-CSRFToken": token},
    )
    assert saved.status == 200, saved.text
    on_a = browser.call(a, "GET", f"/api/v1/attempts/{attempt_id}").json
    seen = next(i for i in on_a["items"] if i["id"] == item["id"])
    assert (seen["response"], seen["seq"]) == ({"value": 20.0}, saved.json["seq"])
    submitted = browser.call(
        a, "POST", f"/attempts/{attempt_id}/submit", form={"csrf_token": token, "confirm": "y"}
    )
    assert submitted.status == 302
    assert submitted.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    result = browser.call(b, "GET", f"/api/v1/attempts/{attempt_id}").json
    assert result["status"] == "submitted"
    assert result["result"]["score"] == 1.0  # the numeric answer saved on B, graded on A
    assert browser.call(b, "GET", f"/attempts/{attempt_id}/result").status == 200

    # Failed logins for one account, alternately on A and B: the limit is the total.
    statuses = []
    for n in range(ACCOUNT_LIMIT + 2):
        server = (a, b)[n % 2]
        stranger = Browser()
        token = csrf_token_from(stranger.call(server, "GET", "/login").text)
        form = {"email": target.email, "password": "not the password 123", "csrf_token": token}
        statuses.append(stranger.call(server, "POST", "/login", form=form).status)
    assert statuses == [400] * ACCOUNT_LIMIT + [429, 429], statuses
