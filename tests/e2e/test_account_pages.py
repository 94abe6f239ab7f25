"""The accounts' pages over HTTP: who may use them, what a change does to the
sessions it concerns, and the log-in's steps refusing what is not theirs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from services.api.context import ApiContext
from tests.e2e.helpers import TEST_PASSWORD, PageLogins

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def admin(
    context: ApiContext, logins: PageLogins, base_url: str
) -> Iterator[httpx.Client]:
    context.accounts.create("vatra user create", "admin-1", "administrator", (), "en")
    client = logins.client(base_url, "admin-1")
    yield client
    client.close()


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None
    return found[1]


def test_only_administrators_manage_accounts_and_auditors_read_their_audit(
    base_url: str, logins: PageLogins, admin: httpx.Client
) -> None:
    assert admin.get("/").headers["location"] == "/admin/accounts"
    assert admin.get("/admin/accounts").status_code == 200
    assert admin.get("/api/cases").status_code == 401  # no API for a session
    with closing(logins.client(base_url, "coordinator")) as coordinator:
        assert coordinator.get("/admin/accounts").status_code == 403
        assert coordinator.get("/admin/audit").status_code == 403
    with closing(logins.client(base_url, "auditor")) as auditor:
        assert auditor.get("/admin/audit").status_code == 200
        assert auditor.get("/admin/accounts/mu-vlora-1").status_code == 403


def test_a_role_change_ends_the_workers_sessions_and_a_language_change_does_not(
    base_url: str, logins: PageLogins, admin: httpx.Client
) -> None:
    worker = logins.client(base_url, "vlora_worker")
    form = admin.get("/admin/accounts/mu-vlora-1").text
    fields = {"csrf": _csrf(form), "role": "mobile_unit", "regions": ["vlora"]}
    saved = admin.post("/admin/accounts/mu-vlora-1", data={**fields, "language": "en"})
    assert saved.headers["location"] == "/admin/accounts/mu-vlora-1?done=edit"
    page = worker.get("/")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text  # the account as it is now
    admin.post("/admin/accounts/mu-vlora-1", data={**fields, "role": "lawyer"})
    assert worker.get("/").headers["location"] == "/login"
    refused = admin.post(
        "/admin/accounts/mu-vlora-1", data={**fields, "role": "police", "regions": []}
    )
    assert refused.status_code == 422
    assert "needs at least one --region" in refused.text


def test_a_reset_password_is_shown_once_and_the_old_one_stops_working(
    base_url: str, logins: PageLogins, admin: httpx.Client
) -> None:
    logins.account("vlora_worker")
    form = admin.get("/admin/accounts/mu-vlora-1").text
    shown = admin.post(
        "/admin/accounts/mu-vlora-1/reset-password", data={"csrf": _csrf(form)}
    )
    one_time = re.search(r'id="one-time-password">([^<]+)<', shown.text)
    assert one_time is not None
    assert one_time[1] not in admin.get("/admin/accounts/mu-vlora-1").text
    assert one_time[1] not in admin.get("/admin/audit").text
    with httpx.Client(base_url=base_url) as phone:
        old = phone.post(
            "/login", data={"username": "mu-vlora-1", "password": TEST_PASSWORD}
        )
        assert old.status_code == 401
        new = phone.post(
            "/login", data={"username": "mu-vlora-1", "password": one_time[1]}
        )
        assert new.headers["location"] == "/login/next"
        assert 'action="/login/password"' in phone.get("/login/next").text
        assert phone.get("/").headers["location"] == "/login"  # nothing yet


def test_the_log_in_steps_refuse_forms_from_elsewhere_and_without_their_token(
    base_url: str, logins: PageLogins
) -> None:
    user = logins.account("vlora_worker")
    with httpx.Client(base_url=base_url) as phone:
        forged = phone.post(
            "/login",
            data={"username": user, "password": TEST_PASSWORD},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        phone.post("/login", data={"username": user, "password": TEST_PASSWORD})
        code = logins.code(user)
        assert phone.post("/login/code", data={"code": code}).status_code == 403
        assert phone.get("/").headers["location"] == "/login"


def test_a_username_with_a_control_character_is_refused_as_a_bad_form(
    base_url: str, logins: PageLogins
) -> None:
    user = logins.account("vlora_worker")
    with httpx.Client(base_url=base_url) as phone:
        sent = phone.post(
            "/login", data={"username": user + "\x00", "password": TEST_PASSWORD}
        )
        assert sent.status_code == 422  # a page saying the form was wrong, not a 500
        right = phone.post("/login", data={"username": user, "password": TEST_PASSWORD})
        assert right.status_code == 303  # and the next try goes on
