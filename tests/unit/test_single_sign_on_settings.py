"""The single sign-on settings: off by default, complete or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.config.settings import SettingsError, load_settings

PROVIDER = {
    "VATRA_OIDC_ISSUER": "https://id.example.org/realms/vatra",
    "VATRA_OIDC_CLIENT_ID": "vatra-backbone",
}


def test_single_sign_on_is_off_unless_an_issuer_is_set() -> None:
    assert load_settings({}).accounts.single_sign_on is None


def test_the_client_secret_may_come_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "oidc").write_text("the client secret\n", encoding="utf-8")
    env = {**PROVIDER, "VATRA_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "oidc")}
    sso = load_settings(env).accounts.single_sign_on
    assert sso is not None
    assert sso.client_secret.get_secret_value() == "the client secret"
    assert sso.username_claim == "preferred_username"
    assert sso.redirect_url == ""
    assert "the client secret" not in repr(sso)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (PROVIDER, "VATRA_OIDC_CLIENT_SECRET"),
        (
            {**PROVIDER, "VATRA_OIDC_ISSUER": "http://id.example.org"},
            "VATRA_OIDC_ISSUER must be an https:// URL",
        ),
        (
            {
                **PROVIDER,
                "VATRA_OIDC_CLIENT_SECRET": "s",
                "VATRA_OIDC_USERNAME_CLAIM": "name",
            },
            "VATRA_OIDC_USERNAME_CLAIM must be one of",
        ),
        (
            {**PROVIDER, "VATRA_OIDC_CLIENT_SECRET": "s", "VATRA_OIDC_LABEL": "x" * 41},
            "VATRA_OIDC_LABEL must be at most 40",
        ),
        (
            {
                **PROVIDER,
                "VATRA_OIDC_CLIENT_SECRET": "s",
                "VATRA_OIDC_REDIRECT_URL": "https://vatra.example.org/cb?x=1",
            },
            "VATRA_OIDC_REDIRECT_URL must be an absolute URL",
        ),
    ],
)
def test_an_incomplete_or_unsafe_provider_setting_is_refused_by_name(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_a_provider_on_this_machine_may_be_plain_http() -> None:
    env = {
        **PROVIDER,
        "VATRA_OIDC_ISSUER": "http://127.0.0.1:8080",
        "VATRA_OIDC_CLIENT_SECRET": "s",
    }
    sso = load_settings(env).accounts.single_sign_on
    assert sso is not None
    assert sso.issuer == "http://127.0.0.1:8080"
