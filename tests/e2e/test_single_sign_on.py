"""Single sign-on through an OpenID provider the test runs on 127.0.0.1.

The provider vouches for who the person is; the account here decides whether
they may log in, and the second factor here is still asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from domain.clock import ControlledClock
from services.api.context import ApiContext
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.e2e.helpers import CSRF, PageLogins
from tests.e2e.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdTestProvider
from tests.e2e.oidc_provider import new_key as other_key
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE
from tests.e2e.test_browser_forms import _check
from tests.keys import KEYS_ENV

WORKER = "mu-vlora-1"  # helpers.USERS["vlora_worker"]
REFUSED = "The username or password is wrong"
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def provider(clock: ControlledClock) -> Iterator[OpenIdTestProvider]:
    running = OpenIdTestProvider(clock.now).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def backbone(
    database: Database, clock: ControlledClock, provider: OpenIdTestProvider
) -> Iterator[Backbone]:
    settings = load_settings(
        {
            "VATRA_LOG_LEVEL": "WARNING",
            "VATRA_PASSWORD_HASHING": "fast",
            "VATRA_OIDC_ISSUER": provider.issuer,
            "VATRA_OIDC_CLIENT_ID": CLIENT_ID,
            "VATRA_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "VATRA_OIDC_LABEL": "Test ID",
            **KEYS_ENV,
        }
    )
    with open_backbone(settings, clock=clock, database=database) as built:
        yield built


@pytest.fixture
def browser(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers=ENGLISH, timeout=30) as client:
        yield client


def _through_provider(
    browser: httpx.Client, next: str = "", **callback: str
) -> httpx.Response:
    """Press the button, let the provider approve, and come back; ``callback``
    replaces what the provider sent back (``state``)."""
    going = browser.get("/login/sso", params={"next": next} if next else {})
    assert going.status_code == 303, going.text
    approved = httpx.get(going.headers["location"])
    assert approved.status_code == 302, approved.text
    back = httpx.URL(approved.headers["location"])
    params: dict[str, Any] = {**dict(back.params), **callback}
    return browser.get(back.path, params=params)


def _failures(context: ApiContext) -> list[str]:
    with context.pool.connection() as conn:
        rows = conn.execute("SELECT username FROM login_failures ORDER BY id")
        return [str(row[0]) for row in rows.fetchall()]


def test_a_worker_logs_in_through_the_provider_then_gives_their_code(
    browser: httpx.Client,
    provider: OpenIdTestProvider,
    logins: PageLogins,
) -> None:
    logins.account("vlora_worker")
    provider.user = WORKER
    login_page = browser.get("/login")
    assert "Log in with Test ID" in login_page.text
    assert 'href="/login/sso"' in login_page.text
    going_on = browser.get("/login", params={"next": "/tasks"})
    assert 'href="/login/sso?next=/tasks"' in going_on.text
    albanian = browser.get("/login", headers={"Accept-Language": "sq"})
    assert "Hyr me Test ID" in albanian.text

    step = _through_provider(browser, next="/tasks")

    # The provider stands in for the password, not for the code from the phone.
    assert step.status_code == 200, step.text
    assert 'action="/login/code"' in step.text
    assert browser.get("/tasks").status_code == 303
    csrf = CSRF.search(step.text)
    assert csrf is not None
    done = browser.post(
        "/login/code",
        data={"code": logins.code(WORKER), "csrf": csrf.group(1), "next": "/tasks"},
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/tasks"
    me = browser.get("/")
    assert me.status_code == 200
    assert WORKER in me.text


def test_an_answer_to_another_attempt_is_refused_and_recorded(
    browser: httpx.Client,
    provider: OpenIdTestProvider,
    logins: PageLogins,
    context: ApiContext,
) -> None:
    logins.account("vlora_worker")
    provider.user = WORKER
    answer = _through_provider(browser, state="a-state-from-elsewhere")
    assert answer.status_code == 401
    assert REFUSED in answer.text
    assert _failures(context) == [""]
    # The attempt is used up: the right state cannot be tried after a wrong one.
    assert browser.get("/").status_code != 200


@pytest.mark.parametrize(
    "bad",
    ["wrong nonce", "other key", "expired", "other audience", "other issuer"],
)
def test_an_id_token_that_does_not_prove_who_logged_in_is_refused(
    bad: str,
    browser: httpx.Client,
    provider: OpenIdTestProvider,
    logins: PageLogins,
    context: ApiContext,
    clock: ControlledClock,
) -> None:
    logins.account("vlora_worker")
    provider.user = WORKER
    now = int(clock.now().timestamp())
    if bad == "wrong nonce":
        provider.claims = {"nonce": "a nonce from another attempt"}
    elif bad == "other key":
        provider.signing_key = other_key()
    elif bad == "expired":
        provider.claims = {"iat": now - 3600, "exp": now - 600}
    elif bad == "other audience":
        provider.claims = {"aud": "another-client"}
    else:
        provider.claims = {"iss": "https://elsewhere.example"}
    answer = _through_provider(browser)
    assert answer.status_code == 401
    assert REFUSED in answer.text
    assert 'action="/login/code"' not in answer.text
    assert _failures(context) == [""]


def test_someone_without_an_active_account_here_gets_the_answer_of_a_wrong_password(
    browser: httpx.Client,
    provider: OpenIdTestProvider,
    logins: PageLogins,
    context: ApiContext,
) -> None:
    provider.user = "nobody-here"
    unknown = _through_provider(browser)
    logins.account("vlora_worker")
    context.accounts.set_status("coordinator-1", WORKER, active=False)
    provider.user = WORKER
    deactivated = _through_provider(browser)
    wrong_password = browser.post(
        "/login", data={"username": WORKER, "password": "not the password"}
    )
    for answer in (unknown, deactivated):
        assert answer.status_code == wrong_password.status_code == 401
        assert REFUSED in answer.text
        assert 'action="/login/code"' not in answer.text
    assert _failures(context) == ["nobody-here", WORKER, WORKER]


def test_the_clock_ends_an_attempt_left_open(
    browser: httpx.Client,
    provider: OpenIdTestProvider,
    logins: PageLogins,
    clock: ControlledClock,
) -> None:
    logins.account("vlora_worker")
    provider.user = WORKER
    going = browser.get("/login/sso")
    approved = httpx.get(going.headers["location"])
    clock.advance(timedelta(minutes=11))
    answer = browser.get(approved.headers["location"])
    assert answer.status_code == 401
    assert REFUSED in answer.text


def test_on_a_phone_the_button_leads_through_the_provider_to_the_code_and_in(
    base_url: str,
    provider: OpenIdTestProvider,
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make system-deps"
    worker = logins.account("vlora_worker")
    provider.user = worker
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            session = chromium.new_context(viewport=PHONE, locale="sq-AL")
            page = session.new_page()
            page.goto(f"{base_url}/login")
            button = page.locator("a[href='/login/sso']")
            expect(button).to_have_text("Hyr me Test ID")
            _check(page, tmp_path, "login-single-sign-on")
            button.click()
            expect(page.locator("#code")).to_be_visible()
            _check(page, tmp_path, "single-sign-on-code")
            page.fill("#code", logins.code(worker))
            page.click("form[action='/login/code'] button")
            expect(page).to_have_url(f"{base_url}/")
            expect(page.locator(".who")).to_contain_text(worker)
        finally:
            chromium.close()
