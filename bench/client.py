"""A small HTTP client for the benchmark: keep-alive, cookies, CSRF, JSON (standard library)."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "quiet harbour lantern 4711"  # app/benchseed/seed.py BENCH_PASSWORD


class Client:
    """One keep-alive connection with its own cookie jar (a browser tab, or an API client)."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.token = token
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        sent = dict(headers or {})
        body = None
        if json_body is not None:
            body, sent["Content-Type"] = json.dumps(json_body), "application/json"
        elif form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and self.csrf and not self.token:
            sent["X-CSRFToken"] = self.csrf
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.reconnect()
            return 599, b""
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def get_json(self, path: str) -> Any:
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {data[:300]!r}")
        return json.loads(data)

    def login(self, email: str, password: str = PASSWORD) -> int:
        """The login form: GET it for a CSRF token, POST the credentials (two requests)."""
        self.cookies.clear()
        status, page = self.request("GET", "/login")
        match = CSRF_RE.search(page.decode(errors="replace"))
        if status != 200 or not match:
            return status if status >= 400 else 598
        form = {"email": email, "password": password, "csrf_token": match.group(1)}
        status, _ = self.request("POST", "/login", form=form)
        if status == 302:
            status, page = self.request("GET", "/profile")
            found = CSRF_RE.search(page.decode(errors="replace"))
            self.csrf = found.group(1) if found else ""
        return status
