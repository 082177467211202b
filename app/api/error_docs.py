"""The error responses every API operation can give, added to the OpenAPI document.

The views declare the errors of their own logic (``409 stale_save``, ``404 attempt_not_found``);
the ones that come from the machinery around every view are added here, from what the view
really is, so a new operation is documented without anyone remembering to:

- ``400``: any request (the input guard refuses NUL, lone surrogates, deep JSON and huge
  integers; webargs refuses a body or query that does not match its schema, naming each field
  under ``error.fields``; a session-cookie write without its CSRF token);
- ``413``: an operation with a request body (``JSON_MAX_BYTES``);
- ``401``: a view behind ``login_required`` or ``role_required``;
- ``403``: a view behind ``role_required``;
- ``404``: an operation with path parameters (an unknown id, or one beyond the column range).

flask-smorest documents its argument errors as 422; ``app/errors.py`` answers them with 400,
so the 422 entries are folded into 400. The catch-all ``default`` response is not used: every
status an operation can give is listed, so a client (and schemathesis) can rely on the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from apispec import BasePlugin
from flask import Flask

ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}

DESCRIPTIONS = {
    "400": (
        "invalid_input (NUL byte, lone surrogate, nesting or integer out of range), "
        "validation_error (``error.fields`` names each field), bad_request or csrf_failed."
    ),
    "401": "unauthorized: no valid session or bearer token.",
    "403": "forbidden: your role may not do this.",
    "404": "not_found: no such resource (or not yours).",
    "413": "payload_too_large: the JSON body is over JSON_MAX_BYTES.",
}


def _chain(view: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """The view and every function it wraps (``functools.wraps`` sets ``__wrapped__``)."""
    seen = 0
    current: Any = view
    while current is not None and seen < 50:
        yield current
        current = getattr(current, "__wrapped__", None)
        seen += 1


def requires_login(view: Callable[..., Any]) -> bool:
    """True when flask-login's ``login_required`` or our ``role_required`` guards the view."""
    for func in _chain(view):
        code = getattr(func, "__code__", None)
        filename = code.co_filename.replace("\\", "/") if code is not None else ""
        if filename.endswith("flask_login/utils.py"):
            return True
        if getattr(func, "required_roles", None):
            return True
    return False


def requires_role(view: Callable[..., Any]) -> bool:
    """True when ``role_required`` guards the view (it marks its wrapper ``required_roles``)."""
    return any(getattr(func, "required_roles", None) for func in _chain(view))


def _error(status: str) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": dict(ENVELOPE_REF)}},
    }


def complete_operation(
    operation: dict[str, Any], view: Callable[..., Any] | None, has_path_params: bool
) -> None:
    """Add the machinery's error responses to one operation (in place); 422 becomes 400."""
    responses = operation.setdefault("responses", {})
    responses.pop("default", None)
    unprocessable = responses.pop("422", None) or responses.pop(422, None)
    needed = ["400"]
    if "requestBody" in operation:
        needed.append("413")
    if view is not None and requires_login(view):
        needed.append("401")
    if view is not None and requires_role(view):
        needed.append("403")
    if has_path_params:
        needed.append("404")
    for status in needed:
        if status not in responses and int(status) not in responses:
            responses[status] = _error(status)
    if unprocessable is not None and "400" in responses:
        responses["400"]["description"] = DESCRIPTIONS["400"]


class ErrorResponsesPlugin(BasePlugin):
    """apispec plugin running :func:`complete_operation` on each path flask-smorest adds."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        has_path_params = bool(rule.arguments) if rule is not None else "{" in (path or "")
        for operation in (operations or {}).values():
            if isinstance(operation, dict):
                complete_operation(operation, view, has_path_params)
