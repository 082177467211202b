"""Baseline endpoints for benchmarks (PERFORMANCE.md §3.3), mounted only when BENCH_MODE=1.

They share the app's engine, pool and middleware, so an endpoint's throughput can be compared
with them as a ratio measured in the same run. Never enabled in production.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, jsonify

from app.extensions import csrf, db
from app.transactions import commit_with_retry

bp = Blueprint("bench", __name__, url_prefix="/_bench")


@bp.get("/bare")
def bare():  # type: ignore[no-untyped-def]
    return jsonify(ok=True)


@bp.get("/db-read")
def db_read():  # type: ignore[no-untyped-def]
    value = db.session.execute(sa.text("SELECT count(*) FROM modules")).scalar()
    return jsonify(ok=True, modules=value)


@bp.post("/db-write")
def db_write():  # type: ignore[no-untyped-def]
    # One committed write transaction touching one row, like a save (with the same retry on a
    # busy SQLite file as the app's own writes).
    statement = sa.text(
        "UPDATE modules SET position = position WHERE id = (SELECT min(id) FROM modules)"
    )
    commit_with_retry(lambda: db.session.execute(statement))
    return jsonify(ok=True)


def init_bench(app: Flask) -> None:
    if app.config.get("BENCH_MODE"):
        if app.config.get("APP_ENV") == "production":
            raise RuntimeError("BENCH_MODE must not be enabled in production")
        csrf.exempt(bp)
        app.register_blueprint(bp)
