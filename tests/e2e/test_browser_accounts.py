"""Log-in, lock-out, log-out and the administrators' pages in a real headless
Chromium at a phone's size: each page fits the screen and passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from domain.clock import ControlledClock
from services.api.context import ApiContext
from tests.e2e.helpers import TEST_PASSWORD, PageLogins
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _log_in
from tests.e2e.test_browser_forms import _check

ADMIN = "admin-1"
WORKER = "mu-vlora-1"  # helpers.USERS["vlora_worker"]


@pytest.fixture
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make system-deps"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def admin(context: ApiContext, logins: PageLogins) -> str:
    """The first administrator (as ``vatra user create --admin`` makes one)."""
    context.accounts.create("vatra user create", ADMIN, "administrator", (), "en")
    return logins.account(ADMIN)


def _phone(browser: Browser, locale: str = "en-GB") -> tuple[BrowserContext, Page]:
    session = browser.new_context(viewport=PHONE, locale=locale)
    return session, session.new_page()


def _type_password(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/login'] button")


def test_an_administrator_creates_a_worker_who_sets_up_a_password_and_code_and_logs_in(
    chromium: Browser,
    base_url: str,
    clock: ControlledClock,
    logins: PageLogins,
    admin: str,
    tmp_path: Path,
) -> None:
    _, page = _phone(chromium)
    _log_in(page, base_url, logins, admin, lands="/admin/accounts")
    _check(page, tmp_path, "accounts")
    page.click("a[href='/admin/accounts/new']")
    _check(page, tmp_path, "new-account")
    page.fill("#username", "mu-vlora-7")
    page.select_option("#role", "mobile_unit")
    page.check("input[name=regions][value=vlora]")
    page.check("input[name=language][value=sq]")
    page.click("form[action='/admin/accounts'] button[type=submit]")
    one_time = page.locator("#one-time-password").inner_text()
    _check(page, tmp_path, "one-time-password")

    # The worker, on their own phone: the one-time password, their own, a code.
    _, phone = _phone(chromium, "sq-AL")
    _type_password(phone, base_url, "mu-vlora-7", one_time)
    expect(phone).to_have_url(f"{base_url}/login/next")
    _check(phone, tmp_path, "choose-password")
    phone.fill("#password", "my own long passphrase")
    phone.fill("#again", "my own long passphrase")
    phone.click("form[action='/login/password'] button")
    expect(phone.locator(".qr svg")).to_be_visible()
    _check(phone, tmp_path, "set-up-code")
    secret = phone.locator("code.secret").inner_text().replace(" ", "")
    phone.fill("#code", pyotp.TOTP(secret).at(clock.now()))
    phone.click("form[action='/login/code'] button")
    expect(phone).to_have_url(f"{base_url}/")
    expect(phone.locator(".who")).to_contain_text("mu-vlora-7")

    # The one-time password is spent; the audit trail names who made the account.
    _, again = _phone(chromium)
    _type_password(again, base_url, "mu-vlora-7", one_time)
    expect(again.locator("p.error")).to_be_visible()
    page.goto(f"{base_url}/admin/audit")
    expect(page.locator("main")).to_contain_text(
        "admin-1 created the account: mu-vlora-7"
    )
    _check(page, tmp_path, "audit")


def test_failed_log_ins_lock_the_account_until_an_administrator_lifts_the_lock(
    chromium: Browser,
    base_url: str,
    logins: PageLogins,
    admin: str,
    tmp_path: Path,
) -> None:
    logins.account("vlora_worker")
    _, phone = _phone(chromium)
    for _ in range(5):
        _type_password(phone, base_url, WORKER, "not my password")
        expect(phone.locator("p.error[role=alert]")).to_be_visible()
    refused = phone.locator("p.error").inner_text()
    _type_password(phone, base_url, WORKER, TEST_PASSWORD)  # right, but locked
    expect(phone).to_have_url(f"{base_url}/login")
    assert phone.locator("p.error").inner_text() == refused
    _type_password(phone, base_url, "nobody-at-all", TEST_PASSWORD)
    assert phone.locator("p.error").inner_text() == refused
    _check(phone, tmp_path, "refused")

    _, page = _phone(chromium)
    _log_in(page, base_url, logins, admin, lands="/admin/accounts")
    page.goto(f"{base_url}/admin/accounts/{WORKER}")
    expect(page.locator("main")).to_contain_text("locked after failed log-ins")
    _check(page, tmp_path, "account")
    page.click(f"form[action='/admin/accounts/{WORKER}/unlock'] button")
    expect(page.locator("main")).not_to_contain_text("locked after failed log-ins")

    _log_in(phone, base_url, logins, "vlora_worker")


def test_after_log_out_the_old_session_cookie_opens_nothing(
    chromium: Browser, base_url: str, logins: PageLogins
) -> None:
    session, page = _phone(chromium)
    _log_in(page, base_url, logins, "vlora_worker")
    (cookie,) = (c for c in session.cookies() if c["name"] == "vatra_session")
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")
    page.click("form[action='/logout'] button")
    expect(page).to_have_url(f"{base_url}/login")

    stolen, thief = _phone(chromium)
    stolen.add_cookies([cookie])
    thief.goto(f"{base_url}/")
    expect(thief).to_have_url(f"{base_url}/login")


def test_a_deactivated_worker_is_logged_out_and_cannot_log_in_again(
    chromium: Browser, base_url: str, logins: PageLogins, admin: str
) -> None:
    _, phone = _phone(chromium)
    _log_in(phone, base_url, logins, "vlora_worker")

    _, page = _phone(chromium)
    _log_in(page, base_url, logins, admin, lands="/admin/accounts")
    page.goto(f"{base_url}/admin/accounts/{WORKER}")
    page.click(f"form[action='/admin/accounts/{WORKER}/deactivate'] button")
    expect(page.locator("main")).to_contain_text("deactivated")

    phone.goto(f"{base_url}/")
    expect(phone).to_have_url(f"{base_url}/login")
    _type_password(phone, base_url, WORKER, TEST_PASSWORD)
    expect(phone.locator("p.error[role=alert]")).to_be_visible()
    expect(phone).to_have_url(f"{base_url}/login")
