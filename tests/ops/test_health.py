"""``GET /healthz``: 200 when the database and the limiter's Redis answer, 503 naming the part
that does not; public, never rate limited, never cached, no personal data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.ops.health import NOT_CONFIGURED, OK, UNREACHABLE, Health, redis_status

REDIS = ("127.0.0.1", 6379)
DEAD_REDIS = "redis://127.0.0.1:1/7"  # port 1: nothing listens, the connection is refused
DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
ROOT = Path(__file__).resolve().parents[2]

# Apps with other settings are built in a child process: ``create_app`` binds the one global
# rate limiter to the newest app, which would leave the test session's app on a dead store.
SCRIPT = r"""
import json, sys
from app import create_app

def get(config, path="/healthz", times=1):
    app = create_app({"TESTING": True, "SECRET_KEY": "health-test", "INSTANCE_PATH": sys.argv[1],
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/health.db",
                      "RATELIMIT_STORAGE_URI": "memory://", **config})
    client = app.test_client()
    out = []
    for _ in range(times):
        r = client.get(path)
        out.append([r.status_code, r.get_json(silent=True), r.headers.get("Cache-Control"),
                    r.get_data(as_text=True)])
    return out

print(json.dumps({name: get(**kw) for name, kw in json.loads(sys.argv[2]).items()}))
"""
SCENARIOS = {
    "dead_redis": {"config": {"RATELIMIT_STORAGE_URI": DEAD_REDIS}},
    "live_redis": {"config": {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/7"}},
    "missing_sqlite": {
        "config": {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-folder-for-health/x.db"}
    },
    "refused_pg": {"config": {"SQLALCHEMY_DATABASE_URI": DEAD_PG}},
    "both_down": {
        "config": {"SQLALCHEMY_DATABASE_URI": DEAD_PG, "RATELIMIT_STORAGE_URI": DEAD_REDIS}
    },
    "limited_health": {"config": {"RATELIMIT_DEFAULT": "2/minute"}, "times": 5},
    "limited_login": {"config": {"RATELIMIT_DEFAULT": "2/minute"}, "path": "/login", "times": 3},
}


def redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def other_apps(tmp_path_factory) -> dict[str, list[list]]:
    """Each scenario's responses: ``[status, json, Cache-Control, body]`` per request."""
    folder = tmp_path_factory.mktemp("health")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder), json.dumps(SCENARIOS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_healthy_app_answers_200_without_cookies_or_caching(client, login_as):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    # A logged-in browser gets the same body: nothing about the user.
    user = login_as("trainee")
    again = client.get("/healthz")
    assert again.json == response.json
    assert user.email not in again.get_data(as_text=True)


def test_healthz_is_never_rate_limited(other_apps):
    assert [status for status, *_ in other_apps["limited_health"]] == [200] * 5
    # The same default limit applies elsewhere: the exemption is what lets /healthz through.
    assert [status for status, *_ in other_apps["limited_login"]] == [200, 200, 429]


def test_unreachable_redis_gives_503_naming_redis(other_apps):
    [[status, body, cache, text]] = other_apps["dead_redis"]
    assert status == 503
    assert body == {"status": "error", "database": "ok", "redis": "unreachable"}
    assert cache == "no-store"
    assert "127.0.0.1" not in text


@pytest.mark.skipif(not redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_reachable_redis_is_ok(other_apps):
    [[status, body, cache, _]] = other_apps["live_redis"]
    assert (status, body) == (200, {"status": "ok", "database": "ok", "redis": "ok"})


@pytest.mark.parametrize("scenario", ["missing_sqlite", "refused_pg"])
def test_unreachable_database_gives_503_naming_the_database(other_apps, scenario):
    [[status, body, cache, text]] = other_apps[scenario]
    assert status == 503
    assert body == {"status": "error", "database": "unreachable", "redis": NOT_CONFIGURED}
    assert cache == "no-store"
    assert "nowhere" not in text and "nonexistent" not in text


def test_both_down_names_both(other_apps):
    [[status, body, _, _]] = other_apps["both_down"]
    assert status == 503
    assert body == {"status": "error", "database": UNREACHABLE, "redis": UNREACHABLE}


# ---------------------------------------------------------------- the pieces


def _never_called() -> bool:
    raise AssertionError("a Redis URL is pinged, not checked through the storage")


def test_redis_status_by_storage_uri():
    assert redis_status("memory://", _never_called) == NOT_CONFIGURED
    assert redis_status("", _never_called) == NOT_CONFIGURED
    assert redis_status(DEAD_REDIS, _never_called) == UNREACHABLE
    assert redis_status("redis+unix:///nonexistent/redis.sock", _never_called) == UNREACHABLE
    # Another ``limits`` store (sentinel, memcached, ...) answers through its own check.
    assert redis_status("memcached://127.0.0.1:11211", lambda: True) == OK
    assert redis_status("memcached://127.0.0.1:11211", lambda: False) == UNREACHABLE

    def broken() -> bool:
        raise ConnectionError("down")

    assert redis_status("memcached://127.0.0.1:11211", broken) == UNREACHABLE


@pytest.mark.parametrize(
    ("database", "redis", "status"),
    [
        (OK, OK, 200),
        (OK, NOT_CONFIGURED, 200),
        (UNREACHABLE, OK, 503),
        (OK, UNREACHABLE, 503),
    ],
)
def test_health_verdict(database, redis, status):
    health = Health(database, redis)
    assert health.http_status == status
    assert health.as_json()["status"] == ("ok" if status == 200 else "error")
