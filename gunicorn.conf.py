"""gunicorn settings, read by ``make serve`` and ``make run`` (``gunicorn -c gunicorn.conf.py``).

Every value can be set from the environment (docs/operations.md, "Running"):

- ``WEB_CONCURRENCY``: sync worker processes; default 2 × CPU cores + 1 (each worker holds
  its own database pool: mind PostgreSQL's ``max_connections`` across all servers);
- ``GUNICORN_BIND`` (e.g. ``0.0.0.0:8000``, or ``unix:/run/dna.sock``), else ``HOST``:``PORT``
  (default ``127.0.0.1:5000``);
- ``GUNICORN_TIMEOUT`` (60 s: a request taking longer kills its worker, so it must exceed the
  slowest page, a certificate PDF's first render), ``GUNICORN_GRACEFUL_TIMEOUT`` (30 s given to
  requests in flight on restart or stop), ``GUNICORN_KEEPALIVE`` (5 s: keep it below the load
  balancer's idle timeout), ``GUNICORN_MAX_REQUESTS`` (1000) with
  ``GUNICORN_MAX_REQUESTS_JITTER`` (100): a worker is replaced after that many requests, the
  jitter keeps workers from restarting all at once;
- ``GUNICORN_PRELOAD`` (1): the master imports the app once and forks the workers from it
  (``0``: each worker imports it).

Access and error logs go to stdout/stderr (the service manager or container collects them).
"""

from __future__ import annotations

import gc
import multiprocessing
import os


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """An integer setting from the environment; a malformed one stops gunicorn with its name."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {value}")
    return value


def default_workers(cores: int) -> int:
    """The usual starting point for sync workers: 2 × cores + 1."""
    return 2 * max(1, cores) + 1


def bind_addresses() -> list[str]:
    explicit = os.environ.get("GUNICORN_BIND", "").strip()
    if explicit:
        return [part.strip() for part in explicit.split(",") if part.strip()]
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    port = env_int("PORT", 5000, minimum=1)
    return [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]


wsgi_app = "wsgi:app"
bind = bind_addresses()
workers = env_int("WEB_CONCURRENCY", default_workers(multiprocessing.cpu_count()), minimum=1)
worker_class = "sync"
timeout = env_int("GUNICORN_TIMEOUT", 60, minimum=1)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
keepalive = env_int("GUNICORN_KEEPALIVE", 5)
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)
accesslog = "-"
errorlog = "-"
# The peer address (the proxy, behind one), the X-Forwarded-For header, and the time in ms.
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The master imports the app once and forks each worker from it: a worker starts, and is
# replaced every max_requests, in milliseconds instead of the ~5 s of CPU an import of the app
# costs (docs/operations.md, "Running"). No database connection crosses the fork: post_fork.
# GUNICORN_PRELOAD=0: each worker imports the app itself (gevent workers need that: they patch
# the standard library before the app imports it).
preload_app = env_int("GUNICORN_PRELOAD", 1) != 0


def post_fork(server: object, worker: object) -> None:
    """A forked worker forgets the database connections it inherited from the master (without
    closing them: they are the master's) and opens its own (SQLAlchemy: "Using Connection Pools
    with Multiprocessing or os.fork()")."""
    import sys

    loaded = sys.modules.get("wsgi")  # the preloaded app; without preloading, none yet
    if loaded is not None:
        forget_connections(loaded.app)


def pre_fork(server: object, worker: object) -> None:
    """Before the master forks a worker: what the master holds (the preloaded app and its
    modules, hundreds of thousands of objects) moves to the collector's permanent generation
    (``gc.freeze``, as Python's documentation advises before a fork). The worker's collections
    then never scan them: a request's ORM objects make reference cycles that a collection must
    free (about 700 objects on the attempt page), and each full collection scanned the whole
    app again. It also leaves the shared pages untouched, so the workers keep sharing them."""
    gc.freeze()


def post_worker_init(worker: object) -> None:
    """In the worker, once it has loaded the app (itself, with ``GUNICORN_PRELOAD=0``): what it
    loaded joins the permanent generation too."""
    gc.freeze()


def forget_connections(app: object) -> None:
    from app.extensions import db

    with app.app_context():  # type: ignore[attr-defined]
        for engine in db.engines.values():
            engine.dispose(close=False)
