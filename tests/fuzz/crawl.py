"""Find every HTML form the app shows: crawl the pages as each role and read their forms.

Starts from every GET rule of ``app.url_map`` (path parameters filled with the seeded rows'
ids), follows links inside the app (one page per endpoint and role), and records each
``<form>``: where it posts, with which method, and its fields (name, kind, choices). A form
added by any route is found without listing it here, as long as some page shows it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

SKIP_ENDPOINTS = {"static", "api-docs.openapi_json"}


@dataclass
class FieldSpec:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, file, submit, number, ...
    choices: list[str] = field(default_factory=list)
    value: str = ""


@dataclass
class FormSpec:
    endpoint: str
    method: str
    url: str
    role: str
    page: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)

    @property
    def multipart(self) -> bool:
        return any(f.kind == "file" for f in self.fields.values())


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: FieldSpec | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get")}
            self._form["fields"] = {}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "button", "textarea", "select"):
            self._field(tag, a)
        elif tag == "option" and self._select is not None:
            self._select.choices.append(a.get("value", ""))

    def _field(self, tag: str, a: dict[str, str]) -> None:
        name = a.get("name")
        if not name or self._form is None:
            return
        kind = a.get("type", "submit" if tag == "button" else "text") if tag != "select" else ""
        kind = {"textarea": "textarea", "select": "select"}.get(tag, kind.lower())
        spec = self._form["fields"].get(name) or FieldSpec(name, kind, value=a.get("value", ""))
        if kind in ("radio", "checkbox") and a.get("value"):
            spec.choices.append(a["value"])
        self._form["fields"][name] = spec
        self._select = spec if tag == "select" else self._select

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _start_urls(app: Flask, values: dict[str, list[Any]]) -> list[str]:
    urls = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or "GET" not in (rule.methods or ()):
            continue
        if rule.rule.startswith("/api/"):
            continue
        if any(arg not in values for arg in rule.arguments):
            continue
        names = sorted(rule.arguments)
        for combo in itertools.islice(itertools.product(*(values[n] for n in names)), 10):
            urls.append(adapter.build(rule.endpoint, dict(zip(names, combo, strict=True))))
    return urls


def _match(app: Flask, url: str, method: str) -> tuple[str, dict[str, Any]] | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    try:
        endpoint, args = app.url_map.bind("localhost").match(parts.path, method)
    except HTTPException:
        return None
    return str(endpoint), args


def crawl(
    app: Flask,
    clients: dict[str, FlaskClient],
    values: dict[str, list[Any]],
    extra_urls: Iterable[str] = (),
    max_pages: int = 400,
    per_endpoint: int = 10,
    skip: Callable[[str], bool] = lambda endpoint: False,
) -> dict[tuple[str, str, tuple[str, ...]], FormSpec]:
    """Every form found, by (endpoint, METHOD, field names); the first role showing it wins."""
    found: dict[tuple[str, str, tuple[str, ...]], FormSpec] = {}
    for role, client in clients.items():
        queue = [*extra_urls, *_start_urls(app, values)]
        seen_endpoints: dict[str, int] = {}
        seen_urls: set[str] = set()
        pages = 0
        while queue and pages < max_pages:
            url = queue.pop(0)
            matched = _match(app, url, "GET")
            if matched is None or url in seen_urls or skip(matched[0]):
                continue
            if seen_endpoints.get(matched[0], 0) >= per_endpoint:  # a few pages per endpoint
                continue
            seen_urls.add(url)
            seen_endpoints[matched[0]] = seen_endpoints.get(matched[0], 0) + 1
            pages += 1
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            parser = _FormParser()
            parser.feed(response.get_data(as_text=True))
            queue.extend(urljoin(url, link) for link in parser.links)
            for form in parser.forms:
                _record(app, found, form, url, role)
    return found


def _record(
    app: Flask,
    found: dict[tuple[str, str, tuple[str, ...]], FormSpec],
    form: dict[str, Any],
    page: str,
    role: str,
) -> None:
    method = form["method"].upper() or "GET"
    action = urljoin(page, form["action"] or page)
    matched = _match(app, action, method)
    if matched is None:
        return
    # One target per distinct set of fields: each question type's answer form is its own.
    key = (matched[0], method, tuple(sorted(form["fields"])))
    if key not in found:
        found[key] = FormSpec(matched[0], method, action, role, page, form["fields"])
