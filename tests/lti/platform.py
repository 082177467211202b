"""A test LTI platform: its own RSA key, its keyset served over HTTP on loopback, and
id_tokens signed as a platform signs them (spec claims of LTI 1.3 core)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from jwcrypto import jwk

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@dataclass
class Platform:
    client_id: str = "tool-client-1"
    deployment_id: str = "deployment-1"
    key: jwk.JWK = field(
        default_factory=lambda: jwk.JWK.generate(kty="RSA", size=2048, kid="platform-key-1")
    )
    server: ThreadingHTTPServer | None = None
    tool_keyset: dict[str, Any] = field(default_factory=dict)  # what /lti/jwks.json served
    tokens: set[str] = field(default_factory=set)
    scores: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    down: bool = False  # the score endpoint answers 503

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        keyset = {"keys": [{**self.key.export_public(as_dict=True), "alg": "RS256", "use": "sig"}]}

        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/memberships":
                    status, answer = platform.memberships(self.headers)
                    data = json.dumps(answer).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if self.path != "/keyset":
                    self.send_error(404)
                    return
                body = json.dumps(keyset).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        def do_POST(handler: BaseHTTPRequestHandler) -> None:
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length).decode()
            if handler.path == "/token":
                status, answer = platform.token(parse_qs(body))
            elif handler.path == "/lineitems/1/scores":
                status, answer = platform.score(handler.headers, body)
            else:
                status, answer = 404, {}
            data = json.dumps(answer).encode()
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)

        Handler.do_POST = do_POST  # type: ignore[attr-defined]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """OAuth2 client credentials with a JWT client assertion (RFC 7523), as LTI requires:
        signed by a key of the tool's published keyset, iss = sub = client id, aud = us."""
        try:
            assert form["grant_type"] == ["client_credentials"]
            assert form["client_assertion_type"] == [
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ]
            assertion = form["client_assertion"][0]
            kid = jwt.get_unverified_header(assertion)["kid"]
            [public] = [k for k in self.tool_keyset["keys"] if k["kid"] == kid]
            key = jwt.PyJWK.from_json(json.dumps(public)).key
            claims = jwt.decode(
                assertion, key, algorithms=["RS256"], audience=f"{self.issuer}/token"
            )
            assert claims["iss"] == claims["sub"] == self.client_id
            assert set(form["scope"][0].split()) & {SCORE_SCOPE, NRPS_SCOPE}
        except (AssertionError, KeyError, ValueError, jwt.PyJWTError) as exc:
            self.refused.append(f"token: {type(exc).__name__} {exc}")
            return 400, {"error": "invalid_client"}
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def score(self, headers: Any, body: str) -> tuple[int, dict[str, Any]]:
        if self.down:
            return 503, {}
        bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            self.refused.append("score: bad token")
            return 401, {}
        if headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
            return 415, {}
        self.scores.append(json.loads(body))
        return 200, {}

    members: list[dict[str, Any]] = field(default_factory=list)

    def memberships(self, headers: Any) -> tuple[int, dict[str, Any]]:
        bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            self.refused.append("memberships: bad token")
            return 401, {}
        return 200, {"id": f"{self.issuer}/memberships", "context": {"id": "course-1"},
                     "members": self.members}  # fmt: skip

    def registration(self) -> dict[str, Any]:
        return {
            "name": "Test platform",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "keyset_url": f"{self.issuer}/keyset",
            "auth_login_url": f"{self.issuer}/auth",
            "auth_token_url": f"{self.issuer}/token",
            "deployment_ids": [self.deployment_id],
        }

    def id_token(self, nonce: str, *, key: jwk.JWK | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "platform-user-42",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Ada Clinician",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": "http://127.0.0.1:5000/lti/launch",
            LTI + "resource_link": {"id": "link-1", "title": "Trigger points"},
            LTI + "roles": [LEARNER],
            LTI + "custom": {"module": "score-exam"},
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        signing = key or self.key
        pem = signing.export_to_pem(private_key=True, password=None)
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": signing.kid})


def auth_request(location: str) -> dict[str, str]:
    """The parameters of the tool's redirect to the platform's authentication endpoint."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def new_nonce() -> str:
    return uuid.uuid4().hex
