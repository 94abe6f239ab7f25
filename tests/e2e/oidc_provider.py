"""A small OpenID Connect provider on 127.0.0.1, for the single sign-on tests.

It serves discovery, its JWKS, an authorization endpoint that approves at
once for ``user``, and a token endpoint that checks the client's secret, the
code, the redirect address and the PKCE verifier before it signs an ID token
with its RSA key (joserfc). A test turns it bad on purpose: ``signing_key``
(another key), ``claims`` (claims to put in or over the ID token's).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "vatra-backbone"
CLIENT_SECRET = "a client secret only the tests use"
KEY_ID = "provider-key-1"


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": KEY_ID})


class OpenIdTestProvider:
    """The provider; ``issuer`` is its address once ``start`` has run."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.key = new_key()
        self.signing_key = self.key
        self.user = ""
        self.claims: dict[str, Any] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.authorizations: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever)

    def start(self) -> OpenIdTestProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Approve for ``user`` at once: the address to send the browser back to."""
        self.authorizations.append(query)
        assert query["client_id"] == CLIENT_ID
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        assert "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        back = {"code": code, "state": query["state"]}
        return query["redirect_uri"] + "?" + urlencode(back)

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(
            f"{CLIENT_ID}:{CLIENT_SECRET}".encode()
        ).decode("ascii")
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        if challenge != asked["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(self.now().timestamp())
        claims = {
            "iss": self.issuer,
            "sub": "subject-" + self.user,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": asked["nonce"],
            "preferred_username": self.user,
            **self.claims,
        }
        header = {"alg": "RS256", "kid": KEY_ID}
        id_token = jwt.encode(header, claims, self.signing_key)
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif url.path == "/jwks":
                    self._json(200, KeySet([provider.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    self.send_response(302)
                    self.send_header("Location", provider.authorize(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                if urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not found"})
                    return
                status, body = provider.token(
                    form, self.headers.get("Authorization", "")
                )
                self._json(status, body)

        return Handler
