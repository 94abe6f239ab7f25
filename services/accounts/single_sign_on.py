"""Log-in through an OpenID Connect provider (authorization code with PKCE).

``begin`` reads the provider's discovery document
(``/.well-known/openid-configuration``), keeps a new log-in attempt on the
server (its ``state``, ``nonce``, PKCE verifier, redirect address and the page
the person was going to, under the SHA-256 of a random id the browser holds in
a cookie) and returns the provider's authorization address. ``finish`` takes
the attempt back (once: it is deleted as it is read, and lasts
``FLOW_SECONDS``), checks the ``state``, exchanges the code for tokens, and
verifies the ID token: its signature against the provider's published keys
(JWKS, read at each log-in so a key rotation applies at once), an asymmetric
algorithm, ``iss``, ``aud`` (and ``azp`` when there are several audiences),
``exp``, ``iat`` and the ``nonce``. It returns the configured claim, the
username here; an ``email`` claim counts only when ``email_verified``.

The provider only says who the person is. Whether they may log in, and with
which role and regions, is decided here, by the account of that username.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from services.config.single_sign_on_settings import SingleSignOnSettings

FLOW_SECONDS = 600
CALLBACK_PATH = "/login/sso/callback"
SCOPE = "openid profile email"
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
LEEWAY_SECONDS = 60
TIMEOUT_SECONDS = 10
MAX_ID = 100


class SingleSignOnRefused(Exception):
    """The provider's answer does not prove who the person is; the message
    says why for the log (it never holds a claim's value)."""


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered nonsense."""


@dataclass(frozen=True)
class Verified:
    """Who the provider says logged in, and where they were going."""

    username: str
    next_path: str


def _digest(flow_id: str) -> str:
    return hashlib.sha256(flow_id.encode("utf-8", "surrogatepass")).hexdigest()


class OpenIdProvider:
    """The configured provider, and the log-in attempts started with it."""

    def __init__(
        self, settings: SingleSignOnSettings, pool: ConnectionPool, clock: Clock
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.clock = clock

    @property
    def label(self) -> str:
        return self.settings.label

    def redirect_uri(self, base_url: str) -> str:
        """The callback address: the configured one, else on ``base_url``."""
        return self.settings.redirect_url or base_url.rstrip("/") + CALLBACK_PATH

    def _get(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderUnavailable(f"{url}: {type(error).__name__}") from None
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{url}: not a JSON object")
        return body

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, for the configured issuer."""
        issuer = self.settings.issuer
        meta = self._get(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if meta.get("issuer") != issuer:
            raise ProviderUnavailable("the discovery document names another issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(meta.get(name), str):
                raise ProviderUnavailable(f"the discovery document has no {name}")
        return meta

    def begin(self, base_url: str, next_path: str) -> tuple[str, str]:
        """Start a log-in: the new attempt's id (for the browser's cookie) and
        the provider's address to send the browser to."""
        meta = self.metadata()
        flow_id = secrets.token_urlsafe(32)
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        redirect_uri = self.redirect_uri(base_url)
        now = self.clock.now()
        with self.pool.connection() as conn:
            conn.execute(
                "DELETE FROM single_sign_on_flows WHERE created_at < %s",
                (now - timedelta(seconds=FLOW_SECONDS),),
            )
            conn.execute(
                "INSERT INTO single_sign_on_flows (flow_sha256, state, nonce, "
                "code_verifier, redirect_uri, next, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    _digest(flow_id),
                    state,
                    nonce,
                    verifier,
                    redirect_uri,
                    next_path,
                    now,
                ),
            )
        url = prepare_grant_uri(
            meta["authorization_endpoint"],
            self.settings.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=SCOPE,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        return flow_id, str(url)

    def finish(self, flow_id: str, state: str, code: str) -> Verified:
        """Check the provider's answer to the attempt ``flow_id``; return who
        logged in. Refused (``SingleSignOnRefused``) unless every check holds."""
        if not flow_id or len(flow_id) > MAX_ID:
            raise SingleSignOnRefused("no log-in attempt in this browser")
        since = self.clock.now() - timedelta(seconds=FLOW_SECONDS)
        with self.pool.connection() as conn:
            row = conn.execute(
                "DELETE FROM single_sign_on_flows WHERE flow_sha256 = %s "
                "RETURNING state, nonce, code_verifier, redirect_uri, next, "
                "created_at",
                (_digest(flow_id),),
            ).fetchone()
        if row is None or row[5] <= since:
            raise SingleSignOnRefused("no log-in attempt in this browser, or too old")
        expected_state, nonce, verifier, redirect_uri, next_path, _ = row
        if not hmac.compare_digest(state.encode(), str(expected_state).encode()):
            raise SingleSignOnRefused("the state does not match")
        if not code:
            raise SingleSignOnRefused("the provider sent no code")
        meta = self.metadata()
        id_token = self._exchange(meta, code, str(redirect_uri), str(verifier))
        claims = self._verify(meta, id_token, str(nonce))
        return Verified(self._username(claims), str(next_path))

    def _exchange(
        self, meta: dict[str, Any], code: str, redirect_uri: str, verifier: str
    ) -> str:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        client_id = self.settings.client_id
        secret = self.settings.client_secret.get_secret_value()
        methods = meta.get("token_endpoint_auth_methods_supported") or [
            "client_secret_basic"
        ]
        auth: tuple[str, str] | None = None
        if "client_secret_basic" in methods:
            auth = (client_id, secret)
        else:
            data |= {"client_id": client_id, "client_secret": secret}
        try:
            response = httpx.post(
                meta["token_endpoint"], data=data, auth=auth, timeout=TIMEOUT_SECONDS
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderUnavailable(f"token: {type(error).__name__}") from None
        if response.status_code != 200 or not isinstance(body, dict):
            raise SingleSignOnRefused(f"the token endpoint said {response.status_code}")
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise SingleSignOnRefused("the token endpoint sent no ID token")
        return id_token

    def _verify(self, meta: dict[str, Any], id_token: str, nonce: str) -> Any:
        keys = self._get(str(meta["jwks_uri"]))
        client_id = self.settings.client_id
        try:
            key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
            token = jwt.decode(id_token, key_set, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock.now().timestamp()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.settings.issuer},
                aud={"essential": True, "value": client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError, TypeError) as error:
            raise SingleSignOnRefused(
                f"the ID token is not valid: {type(error).__name__}"
            ) from None
        claims = token.claims
        audiences = claims["aud"] if isinstance(claims["aud"], list) else []
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise SingleSignOnRefused("the ID token is for another party (azp)")
        return claims

    def _username(self, claims: dict[str, Any]) -> str:
        name = self.settings.username_claim
        value = claims.get(name)
        if not isinstance(value, str) or not value.strip():
            raise SingleSignOnRefused(f"the ID token has no {name}")
        if name == "email" and claims.get("email_verified") is not True:
            raise SingleSignOnRefused("the ID token's email is not verified")
        return value.strip()
