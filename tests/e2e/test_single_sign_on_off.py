"""Single sign-on is off unless an OpenID provider is configured."""

from __future__ import annotations

import httpx


def test_without_a_provider_there_is_no_button_and_no_single_sign_on_address(
    base_url: str,
) -> None:
    with httpx.Client(base_url=base_url, headers={"Accept-Language": "en"}) as client:
        page = client.get("/login")
        assert page.status_code == 200
        assert "Log in with" not in page.text
        assert "/login/sso" not in page.text
        assert client.get("/login/sso").status_code == 404
        answer = client.get("/login/sso/callback", params={"state": "s", "code": "c"})
        assert answer.status_code == 404
