"""hypothesis over every API request schema: hostile bodies and queries, no 5xx, no partial write.

schemathesis (``test_openapi_schemathesis.py``) generates what the JSON schemas allow or just
miss; this sweep sends what they never generate: each property of the operation's marshmallow
schema (read from the OpenAPI document, so a new schema is covered) left out or given a hostile
value (``tests/fuzz/strategies.py``), extra properties, bodies that are not JSON objects,
non-JSON content types, huge and deep bodies. Then:

- the answer is never a 5xx, and an error is the documented envelope;
- a refused request (4xx) changes the row count of no table except ``audit_events``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.extensions import limiter
from tests.fuzz.conftest import EXAMPLES, table_counts
from tests.fuzz.strategies import hostile_json, hostile_text
from tests.fuzz.test_openapi_schemathesis import OPENAPI_PATH, OPERATIONS

RAW_BODIES = [
    b"",
    b"null",
    b"[]",
    b"42",
    b'"text"',
    b"{",
    b'{"a": 1,}',
    b"\xff\xfe\x00",
    b"[" * 40 + b"]" * 40,
    b'{"seq": 1e400}',
    b'{"seq": NaN}',
    b'{"response": "\\ud800"}',
    b'{"token": "\\u0000"}',
]


def _schema_of(doc: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in ref_or_schema:
        return doc["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


def _operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return doc["paths"][path][method.lower()]


def _body_strategy(doc: dict[str, Any], operation: dict[str, Any]) -> st.SearchStrategy[Any]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return st.one_of(st.none(), hostile_json())
    schema = _schema_of(doc, content["schema"])
    properties = {
        name: st.one_of(st.none(), hostile_json(), hostile_text())
        for name in schema.get("properties", {})
    }
    objects = st.tuples(
        st.fixed_dictionaries(properties),
        st.dictionaries(st.text(max_size=10), hostile_json(), max_size=2),
    ).map(lambda t: {**t[1], **{k: v for k, v in t[0].items() if v is not None}})
    return st.one_of(objects, objects, hostile_json(), st.sampled_from(RAW_BODIES))


def _query_strategy(operation: dict[str, Any]) -> st.SearchStrategy[dict[str, str]]:
    names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    return st.fixed_dictionaries({name: st.one_of(st.none(), hostile_text()) for name in names})


def _path_strategy(path: str, values: dict[str, list[Any]]) -> st.SearchStrategy[str]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if not names:
        return st.just(path)
    hostile = st.one_of(
        st.sampled_from(["0", "-1", str(2**31), str(2**63), "%00", "..", "é"]), st.integers()
    )
    choices = {n: st.one_of(st.sampled_from(values.get(n) or [1]), hostile) for n in names}

    def fill(drawn: dict[str, Any]) -> str:
        out = path
        for name, value in drawn.items():
            out = out.replace("{" + name + "}", str(value))
        return out

    return st.fixed_dictionaries(choices).map(fill)


def _encode(body: Any) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/json"
    text = json.dumps(body, ensure_ascii=True)  # lone surrogates go out as \ud800 escapes
    return text.encode(), "application/json"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_hostile_bodies_get_no_5xx_and_write_nothing_when_refused(
    app, db_session, seeded, client, method, path
):
    doc = client.get(OPENAPI_PATH).json
    operation = _operation(doc, method, path)
    strategy = st.fixed_dictionaries(
        {
            "path": _path_strategy(path, seeded.path_values()),
            "query": _query_strategy(operation),
            "body": _body_strategy(doc, operation),
            "content_type": st.sampled_from(
                [
                    "application/json",
                    "application/json",
                    "text/plain",
                    "application/x-www-form-urlencoded",
                ]
            ),
        }
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(drawn=strategy)
    def send(drawn: dict[str, Any]) -> None:
        with app.app_context():
            limiter.reset()
        data, _json_type = _encode(drawn["body"])
        query = {k: v for k, v in drawn["query"].items() if v is not None}
        before = table_counts(db_session)
        response = client.open(
            drawn["path"],
            method=method,
            query_string={k: v.encode("utf-8", "surrogatepass") for k, v in query.items()},
            data=data if method != "GET" else None,
            content_type=drawn["content_type"] if method != "GET" else None,
            headers=seeded.headers,
        )
        changed = {k for k, v in table_counts(db_session).items() if before.get(k) != v}
        status = response.status_code
        assert status < 500, f"{status}: {response.get_data(as_text=True)[:300]}"
        if status >= 400:
            error = response.get_json(silent=True) or {}
            assert set(error.get("error", {})) >= {"code", "message"}, response.data[:300]
            assert changed <= {"audit_events"}, f"refused ({status}) but wrote {changed}"

    send()
