"""The OpenAPI document lists every status an operation can give, with the error envelope."""

from __future__ import annotations

from app.api.error_docs import requires_login, requires_role

METHODS = {"get", "put", "post", "delete", "patch"}


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def test_error_body_declares_code_message_and_fields(client):
    doc = client.get("/api/v1/openapi.json").json
    body = doc["components"]["schemas"]["ErrorBody"]
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert body["required"] == ["code", "message"]
    assert body["properties"]["fields"]["additionalProperties"]["type"] == "object"


def test_every_operation_lists_its_errors_and_no_catch_all(app, client):
    doc = client.get("/api/v1/openapi.json").json
    for method, path, operation in _operations(doc):
        responses = operation["responses"]
        where = f"{method} {path}"
        assert "default" not in responses, where
        assert "422" not in responses, f"{where}: argument errors are answered with 400"
        assert "400" in responses, where
        if "requestBody" in operation:
            assert "413" in responses, where
        if "{" in path:
            assert "404" in responses, where
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, where


def test_login_and_role_are_read_from_the_view(app, client):
    doc = client.get("/api/v1/openapi.json").json
    views = app.view_functions
    assert requires_login(views["api_auth.me"]) and not requires_role(views["api_auth.me"])
    assert requires_role(views["api_quiz.list_modules"])
    assert not requires_login(views["api_auth.create_token"])
    assert "401" in doc["paths"]["/api/v1/me"]["get"]["responses"]
    assert "403" in doc["paths"]["/api/v1/modules"]["get"]["responses"]
    assert "401" not in doc["paths"]["/api/v1/certificates/{code}"]["get"]["responses"]


def test_a_refused_json_body_names_it_under_fields(client):
    response = client.post("/api/v1/tokens", data=b"\x01", content_type="application/json")
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"json": {"_schema": ["Invalid JSON body."]}}


def test_a_missing_field_is_named_under_its_location(client):
    response = client.post("/api/v1/tokens", json={"email": "a@example.org"})
    assert response.json["error"]["fields"] == {
        "json": {"password": ["Missing data for required field."]}
    }
