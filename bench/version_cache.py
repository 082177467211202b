"""What keeping decoded question versions per worker bought on the attempt page (issue 19):
the same requests in one process and one run, with ``app/quiz/versions.py`` switched off (the
versions read and decoded with the attempt on every request, as before) and on.

    .venv/bin/python bench/version_cache.py [--database-url URL] [--requests 200] [--runs 3]

The database is prepared as in ``bench/save_path.py`` (a 50-item exam of the small synthetic
institution). Both pages are measured: the API's ``GET /api/v1/attempts/<id>`` (bearer token)
and the HTML page ``GET /attempts/<id>/items/<n>`` (a logged-in browser; ``n`` goes round the
items). Each run requests each page ``--requests`` times with the cache off and on, alternating
which goes first; medians of the runs, and the statements per request of each.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.save_path import PREFIX, comparison_main, counting, open_attempt  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def browser(app: Any) -> Any:
    """A test client logged in as the trainee ``open_attempt`` chose (the first seeded one)."""
    import sqlalchemy as sa

    from app.auth.models import User
    from app.benchseed.seed import BENCH_PASSWORD
    from app.extensions import db

    with app.app_context():
        email = db.session.scalar(
            sa.select(User.email).where(User.email.like(f"{PREFIX}-trainee%")).order_by(User.id)
        )
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    form = {"email": email, "password": BENCH_PASSWORD, "csrf_token": token}
    if client.post("/login", data=form).status_code != 302:
        raise SystemExit(f"{email} could not log in")
    return client


def measure(app: Any, requests: int, runs: int) -> dict[str, Any]:
    from app.quiz import versions

    secret, attempt_id, items = open_attempt(app)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    trainee = browser(app)
    count = len(api.get(f"/api/v1/attempts/{attempt_id}", headers=headers).json["items"])
    pages: dict[str, Callable[[int], Any]] = {
        "api": lambda k: api.get(f"/api/v1/attempts/{attempt_id}", headers=headers),
        "html": lambda k: trainee.get(f"/attempts/{attempt_id}/items/{k % count + 1}"),
    }
    out: dict[str, Any] = {}
    for name, get in pages.items():
        rates: dict[str, list[float]] = {"off": [], "on": []}
        per_request: dict[str, float] = {}
        for way in ("off", "on"):  # warm up both (templates, Markdown memo, the cache)
            versions.set_enabled(way == "on")
            get(0)
        for run in range(runs):
            for way in ("off", "on") if run % 2 == 0 else ("on", "off"):
                versions.set_enabled(way == "on")
                get(0)  # the cache filled again (set_enabled empties it)
                with counting(app) as statements:
                    started = time.perf_counter()
                    for k in range(requests):
                        if get(k).status_code != 200:
                            raise SystemExit(f"the {name} page failed")
                    elapsed = time.perf_counter() - started
                rates[way].append(requests / elapsed)
                per_request[way] = len(statements) / requests
        versions.set_enabled(True)
        off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
        out[name] = {
            "pages_per_second": {"off": round(off, 1), "on": round(on, 1)},
            "ratio_on_to_off": round(on / off, 2),
            "statements_per_page": {k: round(v, 2) for k, v in per_request.items()},
        }
    return out | {"runs": runs, "requests": requests, "items": count}


def main(argv: list[str] | None = None) -> None:
    comparison_main(__doc__, measure, "requests", 200, argv)


if __name__ == "__main__":
    main()
