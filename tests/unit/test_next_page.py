"""The log-in form returns only to a page of this site: never an open redirect."""

from __future__ import annotations

import pytest

from services.api.next_page import local_path, login_url


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/cases/7d9c3f5e-0000-4000-8000-000000000000",
        "/cases/7d9c/steps/accept-referral?referral_id=R-1",
        "/alerts/7d9c?x=%2F%2Fevil.example",
    ],
)
def test_a_path_of_this_site_is_kept(path: str) -> None:
    assert local_path(path) == path


@pytest.mark.parametrize(
    "target",
    [
        "",
        "https://evil.example/",
        "//evil.example/cases",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "cases/1",
        "/cases/1\r\nSet-Cookie: x=1",
        "/cases/\t1",
        "/" + "a" * 2000,
    ],
)
def test_anything_else_is_dropped(target: str) -> None:
    assert local_path(target) is None


def test_the_log_in_address_carries_the_page_to_return_to() -> None:
    assert login_url("/cases/1?a=b") == "/login?next=%2Fcases%2F1%3Fa%3Db"
    assert login_url("/") == "/login"
    assert login_url("https://evil.example/") == "/login"
    assert login_url(None) == "/login"
