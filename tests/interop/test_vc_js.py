"""Interop: Digital Bazaar's verifier (``@digitalbazaar/vc`` with the eddsa-rdfc-2022
cryptosuite and the Bitstring Status List checker, pinned in ``vc-js/package-lock.json``)
checks credentials this app issues, resolving the issuer's documents from a running server
exactly as it serves them.

Two servers (gunicorn, one worker each): one with ``PUBLIC_BASE_URL`` set (the issuer is a
``did:web``, resolved through ``/.well-known/did.json``) and one without (the issuer is the
profile URL of the request's address, ``/issuer``, the controller document of the keys). A
fresh credential verifies; a tampered one fails on its signature; a revoked one fails on its
status. Skips, saying why, when Node.js or the installed packages are missing (``make test``
installs them with ``npm ci``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.certificates import keys, services
from app.extensions import db
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program

pytestmark = pytest.mark.committed_db

ROOT = Path(__file__).resolve().parents[2]
VC_JS = Path(__file__).resolve().parent / "vc-js"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _node_ready() -> str | None:
    """None when the verifier can run, else the reason it cannot."""
    if shutil.which("node") is None:
        return "Node.js is not installed (node not on PATH): the vc-js interop test needs it"
    if not (VC_JS / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        return "the vc-js packages are not installed: run `make test-interop-deps` (npm ci)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn worker on a free loopback port, on the test database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORT": str(self.port)}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=10):
                    return self
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise AssertionError("the server did not answer /healthz")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def vc_js_verify(credential: dict, base: str, folder: Path) -> dict:
    path = folder / "credential.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    done = subprocess.run(
        ["node", str(VC_JS / "verify.mjs"), str(path), base],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"verify.mjs printed nothing: {done.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert (done.returncode == 0) == report["verified"], (done.returncode, report)
    return report


@pytest.mark.timeout(300)
@pytest.mark.parametrize("configured", [True, False], ids=["did-web", "profile-url"])
def test_vc_js_verifies_a_fresh_credential_and_refuses_tampered_and_revoked(
    app, db_session, tmp_path, configured
):
    reason = _node_ready()
    if reason:
        pytest.skip(reason)
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
        base_settings = get_settings().issuer
    seed = keys.export_seed(Ed25519PrivateKey.generate())
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="interop",
        SIGNING_KEY=seed,
        INSTANCE_PATH=str(tmp_path / "instance"),
        APP_ENV="development",
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        RATELIMIT_STORAGE_URI="memory://",
    )
    env.pop("GUNICORN_BIND", None)
    env.pop("PUBLIC_BASE_URL", None)
    server = Server(env, tmp_path / "server.log")
    if configured:
        server.env["PUBLIC_BASE_URL"] = server.base
    with server:
        # Sign as the server would: the same key, the same base URL (configured or not).
        settings = replace(
            base_settings,
            base_url=server.base,
            base_url_configured=configured,
            signing_key=seed,
            instance_path=str(tmp_path / "instance"),
        )
        trainee = factories.make_user("trainee", name="Zoë Ångström-Nguyễn 김민준")
        admin = factories.make_user("admin")
        program, modules, _ = make_program(db_session)
        for module in modules:
            make_attempt(db_session, trainee, module)
        completion = services.record_completion(db_session, trainee, program, settings=settings)
        certificate = services.approve_completion(
            db_session, admin, completion.id, settings=settings
        )
        db_session.commit()
        credential = certificate.credential
        issuer_id = credential["issuer"]["id"]
        assert issuer_id == (
            f"did:web:127.0.0.1%3A{server.port}" if configured else f"{server.base}/issuer"
        )

        valid = vc_js_verify(credential, server.base, tmp_path)
        assert valid["verified"] and valid["statusChecked"] and not valid["revoked"], valid

        tampered = json.loads(json.dumps(credential))
        tampered["credentialSubject"]["name"] = "Someone Else"
        report = vc_js_verify(tampered, server.base, tmp_path)
        assert not report["verified"] and not report["signatureVerified"], report

        services.revoke_certificate(
            db_session, admin, certificate.id, "Issued in error", settings=settings
        )
        db_session.commit()
        report = vc_js_verify(credential, server.base, tmp_path)
        assert not report["verified"], report
        assert report["signatureVerified"] and report["revoked"], report  # fails on status
