"""``GET /healthz``: can this app server serve? (database and the limiter's Redis reachable)

For load balancers and monitors: no login, no rate limit, no personal data, never cached.
200 ``{"status": "ok", "database": "ok", "redis": "ok" | "not configured"}``; 503 with
``"status": "error"`` and ``"unreachable"`` for the part that failed. The reason is logged on
the server, never sent (it may name hosts or users).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from app.extensions import db, limiter
from app.ops.health import Health, database_status, redis_status

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    health = Health(
        database=database_status(db.engine),
        redis=redis_status(
            str(current_app.config.get("RATELIMIT_STORAGE_URI") or ""), _storage_check
        ),
    )
    response = jsonify(health.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response, health.http_status


def _storage_check() -> Any:
    """The limiter storage's own check (for stores other than plain Redis URLs)."""
    return limiter.storage.check()
