"""schemathesis against ``/api/v1/openapi.json``, in-process (WSGI), on a seeded database.

Every operation of the document gets ``FUZZ_EXAMPLES`` generated requests (25 by default):
valid ones (schemathesis' positive mode, half with the seeded trainee's real ids in the path)
and invalid ones (negative mode), sent with the trainee's bearer token or anonymously. Each
response must:

- not be a 5xx (``not_a_server_error``);
- have a status the operation documents (``status_code_conformance``; there is no catch-all
  ``default`` response, see ``app/api/error_docs.py``);
- have the documented content type and match the documented schema (error envelopes included);
- when it is an error, leave the row count of every table but ``audit_events`` unchanged.

Hypothesis is derandomized (the same examples every run, so CI is reproducible) with no
example database and no deadline. Operations are discovered from the document at collection,
so a new API route is fuzzed without touching this file.
"""

from __future__ import annotations

import itertools
import tempfile
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.extensions import limiter
from tests.fuzz.conftest import EXAMPLES, table_counts

OPENAPI_PATH = "/api/v1/openapi.json"
METHODS = ("get", "put", "post", "delete", "patch")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _document_operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation the document declares (read once, at collection)."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "collect",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "RATELIMIT_STORAGE_URI": "memory://",
                "INSTANCE_PATH": instance,
            }
        )
        doc = app.test_client().get(OPENAPI_PATH).json
    return [
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    ]


OPERATIONS = _document_operations()


def _seeded_path_parameters(operation: Any, values: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Each combination of real values for the operation's path parameters (none: [])."""
    names = [p.name for p in operation.path_parameters]
    if not names or any(name not in values for name in names):
        return []
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(values[name] for name in names))
    ]


def _strategy(operation: Any, seeded_values: dict[str, list[Any]]) -> Any:
    positive = schemathesis.GenerationMode.POSITIVE
    negative = schemathesis.GenerationMode.NEGATIVE
    options = [operation.as_strategy(positive), operation.as_strategy(negative)]
    for params in _seeded_path_parameters(operation, seeded_values):
        options.append(operation.as_strategy(positive, path_parameters=params))
        options.append(operation.as_strategy(negative, path_parameters=params))
    return st.one_of(options)


def test_every_operation_is_fuzzed():
    assert len(OPERATIONS) >= 10, OPERATIONS
    assert ("POST", "/api/v1/tokens") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_document(app, db_session, seeded, method, path):
    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)
    operation = schema[path][method]
    strategy = _strategy(operation, seeded.path_values())

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, anonymous=st.booleans())
    def send(case: Any, anonymous: bool) -> None:
        with app.app_context():
            limiter.reset()
        before = table_counts(db_session)
        response = case.call(headers=None if anonymous else seeded.headers)
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            changed = {k for k, v in table_counts(db_session).items() if before.get(k) != v}
            assert changed <= {"audit_events"}, f"refused ({response.status_code}), wrote {changed}"

    send()
