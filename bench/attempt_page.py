"""What the compiled dump bought on the attempt page (``GET /api/v1/attempts/<id>``): the same
requests in one process and one run, dumped by marshmallow and by ``app/serialise.py``
(issue 19; docs/benchmarks.md, "Hot paths").

    .venv/bin/python bench/attempt_page.py [--database-url URL] [--requests 200] [--runs 3]

The database is prepared as in ``bench/save_path.py`` (a 50-item exam of the small synthetic
institution); the two ways alternate which goes first in each run; medians of the runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.save_path import comparison_main, open_attempt  # noqa: E402


def measure(app, requests: int, runs: int) -> dict:
    from flask import jsonify

    from app.quiz import api

    secret, attempt_id, _items = open_attempt(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/attempts/{attempt_id}"
    compiled = api.json_response
    ways = {"marshmallow": lambda schema, view: jsonify(schema().dump(view)), "compiled": compiled}
    rates: dict[str, list[float]] = {name: [] for name in ways}
    for name in ways:  # warm up
        api.json_response = ways[name]
        client.get(url, headers=headers)
    for run in range(runs):
        for name in sorted(ways, reverse=run % 2 == 1):
            api.json_response = ways[name]
            started = time.perf_counter()
            for _ in range(requests):
                if client.get(url, headers=headers).status_code != 200:
                    raise SystemExit("the attempt page failed")
            rates[name].append(requests / (time.perf_counter() - started))
    api.json_response = compiled
    medians = {name: round(statistics.median(r), 1) for name, r in rates.items()}
    return {
        "pages_per_second": medians,
        "ratio_compiled_to_marshmallow": round(medians["compiled"] / medians["marshmallow"], 2),
        "runs": runs,
        "requests": requests,
    }


def main(argv: list[str] | None = None) -> None:
    comparison_main(__doc__, measure, "requests", 200, argv)


if __name__ == "__main__":
    main()
