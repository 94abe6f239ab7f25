"""Settings of the optional single sign-on with OpenID Connect.

Off unless ``VATRA_OIDC_ISSUER`` is set; then the client id and secret are
required too. The secret may come from a file (``VATRA_OIDC_CLIENT_SECRET_FILE``)
like every other secret. The issuer and the redirect URL must be HTTPS, except
on a loopback address (a provider on the same machine, as in the tests).
Listed in the README's Settings table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, SecretStr, model_validator

from handlers.channels.addresses import is_loopback
from services.config.environment import NO_SECRET, EnvironmentSettings, one_of

# The ID token claims that may name the account here (its username).
USERNAME_CLAIMS = ("preferred_username", "email", "sub")
MAX_LABEL = 40
MAX_URL = 500


def _url(raw: Any) -> str:
    value = str(raw).strip()
    if not value:
        return value
    parts = urlsplit(value)
    if len(value) > MAX_URL or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"must be an absolute URL of at most {MAX_URL} characters, "
            f"without a query (got {raw!r})"
        )
    if parts.scheme != "https" and not (
        parts.scheme == "http" and is_loopback(parts.hostname)
    ):
        raise ValueError(f"must be an https:// URL (got {raw!r})")
    return value


def _label(raw: Any) -> str:
    value = " ".join(str(raw).split())
    if len(value) > MAX_LABEL:
        raise ValueError(f"must be at most {MAX_LABEL} characters (got {raw!r})")
    return value


class SingleSignOnVariables(EnvironmentSettings):
    """The single sign-on's environment variables."""

    issuer: Annotated[str, BeforeValidator(_url)] = Field("", alias="VATRA_OIDC_ISSUER")
    client_id: Annotated[str, Field(max_length=200)] = Field(
        "", alias="VATRA_OIDC_CLIENT_ID"
    )
    client_secret: SecretStr = Field(NO_SECRET, alias="VATRA_OIDC_CLIENT_SECRET")
    redirect_url: Annotated[str, BeforeValidator(_url)] = Field(
        "", alias="VATRA_OIDC_REDIRECT_URL"
    )
    username_claim: Annotated[str, BeforeValidator(one_of(*USERNAME_CLAIMS))] = Field(
        "preferred_username", alias="VATRA_OIDC_USERNAME_CLAIM"
    )
    label: Annotated[str, BeforeValidator(_label)] = Field("", alias="VATRA_OIDC_LABEL")

    @model_validator(mode="after")
    def _complete(self) -> SingleSignOnVariables:
        if self.issuer and not (
            self.client_id and self.client_secret.get_secret_value()
        ):
            raise ValueError(
                "VATRA_OIDC_ISSUER needs VATRA_OIDC_CLIENT_ID and "
                "VATRA_OIDC_CLIENT_SECRET (or VATRA_OIDC_CLIENT_SECRET_FILE)"
            )
        return self


@dataclass(frozen=True)
class SingleSignOnSettings:
    """Where the OpenID provider is and how this system is known to it.

    ``redirect_url`` empty: the callback address is derived from the request
    (``/login/sso/callback`` on the address the browser used). ``label``
    names the provider on the log-in button; empty: "single sign-on".
    """

    issuer: str
    client_id: str
    client_secret: SecretStr
    redirect_url: str = ""
    username_claim: str = "preferred_username"
    label: str = ""


def load_single_sign_on(env: Mapping[str, str]) -> SingleSignOnSettings | None:
    """The single sign-on settings, or None when it is off (no issuer)."""
    v = SingleSignOnVariables.read(env)
    if not v.issuer:
        return None
    return SingleSignOnSettings(
        issuer=v.issuer,
        client_id=v.client_id,
        client_secret=v.client_secret,
        redirect_url=v.redirect_url,
        username_claim=v.username_claim,
        label=v.label,
    )
