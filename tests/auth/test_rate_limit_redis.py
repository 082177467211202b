"""With RATELIMIT_STORAGE_URI pointing at Redis, login limits are shared by every process.

Two separate processes (as two gunicorn workers or hosts would be) each make some of the
failed logins for one account; the limit is reached across them, which a per-process memory
store could not do.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)

SCRIPT = r"""
import sys
from app import create_app
from app.extensions import db
from flask_migrate import upgrade
from tests.conftest import csrf_token_from

# Hourly windows, so a run that crosses a minute boundary still sees one window; a key prefix of
# this test run's own, so other runs' counters (the IP limit) do not count.
app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "INSTANCE_PATH": sys.argv[2], "RATELIMIT_STORAGE_URI": sys.argv[3],
                  "RATELIMIT_KEY_PREFIX": sys.argv[6], "LOGIN_RATE_LIMIT_ACCOUNT": "10/hour",
                  "LOGIN_RATE_LIMIT_IP": "1000/hour"})
with app.app_context():
    upgrade()
client = app.test_client()
statuses = []
for _ in range(int(sys.argv[5])):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": sys.argv[4], "password": "wrong guess 123!",
                                           "csrf_token": token})
    statuses.append(response.status_code)
print(" ".join(map(str, statuses)))
"""


def redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_login_limits_are_shared_across_processes_through_redis(tmp_path) -> None:
    email = f"shared-{uuid.uuid4().hex[:8]}@example.org"
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    db_url = f"sqlite:///{tmp_path / 'app.db'}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}

    def run(count: int) -> list[int]:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                SCRIPT,
                db_url,
                str(tmp_path),
                "redis://127.0.0.1:6379/0",
                email,
                str(count),
                prefix,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return [int(s) for s in out.stdout.split()]

    assert run(6) == [400] * 6
    # The second process has never seen this account, yet the shared counter is at 6 of 10.
    assert run(5) == [400, 400, 400, 400, 429]
