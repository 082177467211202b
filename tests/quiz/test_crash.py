"""R1: an answer the server acknowledged survives ``kill -9`` of the server and a restart.

A real gunicorn (master and worker, in their own process group) on a free port, against a
temporary SQLite file; everything goes over HTTP with a bearer token.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.quiz.bank import write_bank

BIN = Path(sys.executable).parent
PASSWORD = "amber harbour violin 4711"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http(method: str, url: str, body=None, token: str | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class Server:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd, self.port = env, cwd, _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "120",
                "wsgi:app",
            ],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: master and workers
        )
        deadline = time.monotonic() + 120  # workers import the app before they answer
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/openapi.json", timeout=60):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start")

    def kill9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    write_bank(tmp_path / "bank")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TEST_DATABASE_URL", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'crash.db'}",
        INSTANCE_PATH=str(tmp_path / "instance"),
        SECRET_KEY="crash-test-secret",
        APP_ENV="development",
        RATELIMIT_ENABLED="0",
    )
    cwd = Path(__file__).resolve().parents[2]

    def flask(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            env=env,
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    flask("db", "upgrade")
    flask("banks", "import", str(tmp_path / "bank"))
    flask(
        "users",
        "create",
        "--email",
        "crash@example.org",
        "--name",
        "Crash Test",
        "--role",
        "trainee",
        "--profession",
        "physical_therapist",
        "--licence-number",
        "C-1",
        "--jurisdiction",
        "Ontario",
        "--enrol",
        "quiz-test",
        stdin=PASSWORD + "\n",
    )
    running = Server(env, cwd)
    yield running
    running.stop()


def test_acknowledged_answer_survives_kill_9_and_restart(server):
    server.start()
    status, token = _http(
        "POST",
        f"{server.base}/api/v1/tokens",
        {"email": "crash@example.org", "password": PASSWORD},
    )
    assert status == 201, token
    secret = token["token"]
    status, attempt = _http(
        "POST", f"{server.base}/api/v1/modules/timed-exam/attempts", token=secret
    )
    assert status == 201, attempt
    item = next(i for i in attempt["items"] if i["type"] == "numeric")
    url = f"{server.base}/api/v1/attempts/{attempt['id']}"
    status, saved = _http(
        "PUT", f"{url}/items/{item['id']}", {"response": {"value": 20}, "seq": 0}, secret
    )
    assert status == 200 and saved["seq"] == 1

    server.kill9()
    server.start()

    status, after = _http("GET", url, token=secret)
    assert status == 200, after
    assert after["status"] == "in_progress"
    assert after["deadline"] == attempt["deadline"]
    restored = next(i for i in after["items"] if i["id"] == item["id"])
    assert restored["response"] == {"value": 20.0}
    assert restored["seq"] == 1
