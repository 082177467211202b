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


@dataclass
class Platform:
    client_id: str = "tool-client-1"
    deployment_id: str = "deployment-1"
    key: jwk.JWK = field(
        default_factory=lambda: jwk.JWK.generate(kty="RSA", size=2048, kid="platform-key-1")
    )
    server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        keyset = {"keys": [{**self.key.export_public(as_dict=True), "alg": "RS256", "use": "sig"}]}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

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
