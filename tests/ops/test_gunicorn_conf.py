"""gunicorn.conf.py: workers from cores (``WEB_CONCURRENCY`` wins), bind from the environment,
timeouts, recycling with jitter, logs to stdout; ``make serve`` migrates and serves, no demo."""

from __future__ import annotations

import gc
import multiprocessing
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"
SETTINGS = (
    "WEB_CONCURRENCY",
    "GUNICORN_BIND",
    "HOST",
    "PORT",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
    "GUNICORN_PRELOAD",
)


@pytest.fixture
def load(monkeypatch):
    def run(**env: str) -> dict:
        for name in SETTINGS:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    return run


def test_defaults(load):
    conf = load()
    assert conf["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert conf["bind"] == ["127.0.0.1:5000"]
    assert conf["worker_class"] == "sync"
    assert (conf["timeout"], conf["graceful_timeout"], conf["keepalive"]) == (60, 30, 5)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (1000, 100)
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["wsgi_app"] == "wsgi:app"
    assert conf["preload_app"] is True
    assert [conf["default_workers"](n) for n in (0, 1, 2, 8)] == [3, 3, 5, 17]


def test_environment_overrides(load):
    conf = load(
        WEB_CONCURRENCY="3",
        HOST="0.0.0.0",
        PORT="8000",
        GUNICORN_TIMEOUT="120",
        GUNICORN_MAX_REQUESTS="0",
    )
    assert conf["workers"] == 3
    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["timeout"] == 120
    assert conf["max_requests"] == 0  # 0: never recycle
    assert load(GUNICORN_PRELOAD="0")["preload_app"] is False
    assert load(HOST="::1")["bind"] == ["[::1]:5000"]
    assert load(GUNICORN_BIND="unix:/run/dna.sock, 10.0.0.5:8000", PORT="1")["bind"] == [
        "unix:/run/dna.sock",
        "10.0.0.5:8000",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WEB_CONCURRENCY": "lots"}, "WEB_CONCURRENCY must be a whole number, not 'lots'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not 0"),
        ({"PORT": "http"}, "PORT must be a whole number"),
        ({"GUNICORN_TIMEOUT": "-5"}, "GUNICORN_TIMEOUT must be at least 1"),
    ],
)
def test_bad_values_stop_gunicorn_naming_the_setting(load, env, message):
    with pytest.raises(SystemExit, match=message):
        load(**env)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_migrates_then_serves_without_demo_content():
    done = subprocess.run(
        ["make", "-n", "serve", "STAMP=pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stdout.replace("\\\n", " ").splitlines()  # join continued lines
    upgrade = next(i for i, line in enumerate(lines) if "db upgrade" in line)
    serve = next(i for i, line in enumerate(lines) if "gunicorn --config gunicorn.conf.py" in line)
    assert upgrade < serve
    assert "APP_ENV=${APP_ENV:-production}" in lines[serve]
    assert not any("demo" in line for line in lines)


def test_a_forked_worker_forgets_the_masters_connections_without_closing_them(load, app):
    """post_fork: the preloaded app's pools drop the connections the master opened (they stay
    open: they are the master's), and the worker's first query opens its own."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
        engine.dispose()  # closes what the pool held: after this its one connection is ours
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            inherited = conn.connection.dbapi_connection
        assert engine.pool.checkedin() == 1  # the master's, idle in its pool
    load()["forget_connections"](app)
    with app.app_context():
        assert db.engine is engine and engine.pool.checkedin() == 0
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            assert conn.connection.dbapi_connection is not inherited
    inherited.cursor().execute("SELECT 1")  # not closed: still the master's to use
    inherited.close()
    with app.app_context():
        engine.dispose()  # the worker's own connection, closed before the test ends


@pytest.mark.parametrize("hook", ["pre_fork", "post_worker_init"])
def test_the_app_loaded_before_a_worker_serves_is_left_out_of_collections(load, hook):
    """pre_fork (the master, preloaded app) and post_worker_init (the worker, once it loaded
    the app) move every object alive to the collector's permanent generation."""
    hooks = load()
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        alive = len(gc.get_objects())
        if hook == "pre_fork":
            hooks[hook](object(), object())
        else:
            hooks[hook](object())
        assert gc.get_freeze_count() >= alive - 100
        assert len(gc.get_objects()) < 100  # what the collector still scans
    finally:
        gc.unfreeze()
