"""An unexpected error is a 500 page without a stack trace, or the JSON envelope under /api/.

Runs in a subprocess: the test adds failing routes to a fresh app with TESTING off (so the
error handler, not the test client, sees the exception), which the shared app must not get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json, sys
from app import create_app

app = create_app({"TESTING": False, "SECRET_KEY": "k", "INSTANCE_PATH": sys.argv[1],
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/x.db"})

@app.get("/boom")
def boom():
    raise RuntimeError("SECRET-DETAIL in a stack trace")

@app.get("/api/v1/boom")
def api_boom():
    raise RuntimeError("SECRET-DETAIL in a stack trace")

client = app.test_client()
page = client.get("/boom")
api = client.get("/api/v1/boom")
print(json.dumps({"page_status": page.status_code, "page": page.get_data(as_text=True),
                  "page_type": page.content_type, "api_status": api.status_code,
                  "api": api.get_json()}))
"""


def test_an_unexpected_error_is_a_500_page_or_json_without_details(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["page_status"] == 500
    assert result["page_type"].startswith("text/html")
    assert "SECRET-DETAIL" not in result["page"] and "Traceback" not in result["page"]
    assert "<main" in result["page"]  # the site's own error page, in the base layout
    assert result["api_status"] == 500
    assert result["api"]["error"]["code"] == "internal_error"
    assert "SECRET-DETAIL" not in json.dumps(result["api"])
