"""A real learning record store on loopback: Ralph (``ralph-malph[lrs]``) on its file-system
backend, started and stopped by the test, and the app pointed at it.

Ralph's LRS pins click<8.2.1 (Flask needs a newer one), so it runs from its own virtualenv,
as an LRS run by someone else would: ``make lrs`` builds ``.venv-lrs`` (``make test`` does it
first), or point ``RALPH_LRS_PYTHON`` at the python of any environment that has
``ralph-malph[cli,lrs]``. Without one, these tests are skipped and say why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.certificates.conftest import certified, settings  # noqa: F401 (fixtures)
from tests.quiz.conftest import bank, make_trainee, trainee  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
USERNAME = "academy"
PASSWORD = "lrs-test-password"
VERSION = {"X-Experience-API-Version": "1.0.3"}


# Ralph 5.1.0's file-system LRS writes every request with the CREATE operation, which refuses
# to write to its one file once it exists: only the first request is ever stored ("already
# exists and overwrite is not allowed", HTTP 500). The launcher switches that backend to its
# own APPEND operation; everything else (the xAPI API, validation, authentication, duplicate
# ids, queries) is Ralph's unchanged. docs/xapi.md says so.
LAUNCH = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def lrs_python() -> str | None:
    configured = os.environ.get("RALPH_LRS_PYTHON")
    candidates = [configured] if configured else [str(ROOT / ".venv-lrs" / "bin" / "python")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            probe = subprocess.run(
                [candidate, "-c", "import ralph.cli, uvicorn"], capture_output=True, check=False
            )
            if probe.returncode == 0:
                return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RalphLrs:
    """``start()`` / ``stop()`` Ralph on one fixed port; statements survive a restart (files)."""

    python: str
    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def prepare(self) -> None:
        (self.home / "data").mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(self.home / "app"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.home / "data"),
        }
        # `ralph auth … -w` writes the Basic credentials to $RALPH_APP_DIR/auth.json.
        subprocess.run(
            [self.python, "-m", "ralph", "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all"]
            + ["-M", "mailto:lrs@example.org", "-w"],
            env=self.env,
            capture_output=True,
            check=True,
            cwd=self.home,
        )

    def start(self) -> None:
        if self.process is not None:
            return
        # What `ralph runserver --backend fs` runs, without its auto-reloader (which would
        # watch the working directory and fork): uvicorn serving ralph.api:app.
        with (self.home / "lrs.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.python, "-c", LAUNCH, str(self.port)],
                env=self.env,
                cwd=self.home,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/statements", params={"limit": 1})
                return
            except requests.ConnectionError:
                if self.process.poll() is not None:
                    raise RuntimeError((self.home / "lrs.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        raise RuntimeError("Ralph's LRS did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def get(self, path: str, **kw: Any) -> Any:
        response = requests.get(
            self.endpoint + path, auth=(USERNAME, PASSWORD), headers=VERSION, timeout=10, **kw
        )
        response.raise_for_status()
        return response.json()

    def all_statements(self) -> list[dict[str, Any]]:
        """Every statement, following ``more`` links (GET /xAPI/statements)."""
        found: list[dict[str, Any]] = []
        page = self.get("/statements", params={"limit": 500})
        while True:
            found += page["statements"]
            more = page.get("more")
            if not more:
                return found
            response = requests.get(
                f"http://127.0.0.1:{self.port}{more}",
                auth=(USERNAME, PASSWORD),
                headers=VERSION,
                timeout=10,
            )
            response.raise_for_status()
            page = response.json()


@pytest.fixture
def lrs_down(app, monkeypatch, tmp_path) -> Iterator[RalphLrs]:
    """Ralph prepared (credentials written) but not running; the app's XAPI_* point at it."""
    python = lrs_python()
    if python is None:
        pytest.skip(
            "Ralph's LRS is not installed: run `make lrs` (ralph-malph[cli,lrs] in .venv-lrs) "
            "or set RALPH_LRS_PYTHON"
        )
    server = RalphLrs(python=python, home=tmp_path / "ralph", port=free_port())
    server.prepare()
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", server.endpoint)
    monkeypatch.setitem(app.config, "XAPI_USERNAME", USERNAME)
    monkeypatch.setitem(app.config, "XAPI_PASSWORD", PASSWORD)
    monkeypatch.setitem(app.config, "XAPI_TIMEOUT", "5")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.home, ignore_errors=True)


@pytest.fixture
def lrs(lrs_down: RalphLrs) -> RalphLrs:
    lrs_down.start()
    return lrs_down
