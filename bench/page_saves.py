"""What the save by position bought on the pages' saves (issue 19): the same saves, in one
process and one run, through the full path (the attempt loaded, as before) and through
``services.save_at_position`` (one conditional ``UPDATE``, or one read and the ``UPDATE``).

    .venv/bin/python bench/page_saves.py [--database-url URL] [--saves 200] [--runs 3]

The database is prepared as in ``bench/save_path.py`` (a 50-item exam of the small synthetic
institution). A logged-in browser saves changed answers to the exam's single-choice items,
going round them, through quiz.js's fetch (``POST …/items/<n>/autosave``) and through the
form (``POST …/items/<n>``, answered with a redirect). Each run makes ``--saves`` saves of
each kind with the save by position switched off and on, alternating which goes first; it
prints the median saves per second, the ratio and the statements per save. The first save of
each item fills the worker's caches before the runs (as the attempt page and the first save
do in a worker), so what is measured is the repeated save of a known item.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.save_path import comparison_main, counting, open_attempt  # noqa: E402
from bench.version_cache import CSRF_RE, browser  # noqa: E402


def measure(app: Any, saves: int, runs: int) -> dict[str, Any]:
    from app.quiz import services

    secret, attempt_id, _items = open_attempt(app)
    client = browser(app)
    api = app.test_client()
    body = api.get(f"/api/v1/attempts/{attempt_id}", headers={"Authorization": f"Bearer {secret}"})
    items = [
        (i["position"], [o["id"] for o in i["options"]])
        for i in body.json["items"]
        if i["type"] == "single_choice" and len(i.get("options") or []) >= 2
    ]
    html = client.get(f"/attempts/{attempt_id}/items/{items[0][0]}").get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    seqs = {position: 0 for position, _ in items}
    url = f"/attempts/{attempt_id}/items"

    def save(kind: str, k: int) -> None:
        position, options = items[k % len(items)]
        seq = seqs[position]
        form = {"csrf_token": token, "seq": str(seq), "choice": options[seq % 2]}
        if kind == "fetch":
            done = client.post(f"{url}/{position}/autosave", data=form,
                               headers={"X-CSRFToken": token})  # fmt: skip
            ok = done.status_code == 200
        else:
            done = client.post(f"{url}/{position}", data=form | {"action": "save"})
            ok = done.status_code == 302 and "/result" not in done.headers["Location"]
        if not ok:
            raise SystemExit(f"{kind} save refused: {done.status_code} {done.get_data()[:300]}")
        seqs[position] = seq + 1

    real = services.save_at_position
    off: Callable[..., None] = lambda *args, **kwargs: None  # noqa: E731 - the full path
    out: dict[str, Any] = {}
    for kind in ("fetch", "form"):
        for k in range(len(items)):
            save(kind, k)  # every item known to the worker
        rates: dict[str, list[float]] = {"full": [], "position": []}
        per_save: dict[str, float] = {}
        for run in range(runs):
            for way in ("full", "position") if run % 2 == 0 else ("position", "full"):
                services.save_at_position = real if way == "position" else off  # type: ignore[assignment]
                with counting(app) as statements:
                    started = time.perf_counter()
                    for k in range(saves):
                        save(kind, k)
                    elapsed = time.perf_counter() - started
                services.save_at_position = real  # type: ignore[assignment]
                rates[way].append(saves / elapsed)
                per_save[way] = len(statements) / saves
        full, position = statistics.median(rates["full"]), statistics.median(rates["position"])
        out[kind] = {
            "saves_per_second": {"full": round(full, 1), "position": round(position, 1)},
            "ratio_position_to_full": round(position / full, 2),
            "statements_per_save": {k: round(v, 2) for k, v in per_save.items()},
        }
    return out | {"runs": runs, "saves": saves, "items": len(items)}


def main(argv: list[str] | None = None) -> None:
    comparison_main(__doc__, measure, "saves", 200, argv)


if __name__ == "__main__":
    main()
