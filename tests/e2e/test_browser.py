"""The pages in a real headless Chromium (Debian's), at a phone's size.

Needs Debian's ``chromium`` package (``make system-deps`` installs it);
``VATRA_TEST_CHROMIUM`` names another binary. Playwright never downloads a
browser here.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from domain.clock import ControlledClock
from services.api.context import ApiContext
from services.cli.demo import demo_case_id, record_scenario
from tests.e2e.helpers import TEST_PASSWORD, PageLogins

CHROMIUM = os.environ.get("VATRA_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def _log_in(
    page: Page, base_url: str, logins: PageLogins, who: str, lands: str = "/"
) -> None:
    """Log ``who`` in through the form: password, then the app's code."""
    user_id = logins.account(who)
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/login")
    page.fill("#username", user_id)
    page.fill("#password", TEST_PASSWORD)
    page.click("form[action='/login'] button")
    expect(page).to_have_url(f"{base_url}/login/next")
    page.fill("#code", logins.code(user_id))
    page.click("form[action='/login/code'] button")
    expect(page).to_have_url(f"{base_url}{lands}")


def _fits_the_screen(page: Page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    )


def test_log_in_open_a_timeline_and_see_an_overdue_obligation_on_the_dashboard(
    context: ApiContext,
    clock: ControlledClock,
    base_url: str,
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (make system-deps)"
    )
    record_scenario(context.service, clock, clock.now())
    case_id = str(demo_case_id())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            session = browser.new_context(viewport=PHONE, locale="sq-AL")
            page = session.new_page()

            # A caseworker logs in with a token and opens a timeline.
            _log_in(page, base_url, logins, "vlora_worker")
            (cookie,) = session.cookies()
            assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == (
                "vatra_session",
                True,
                "Strict",
            )
            page.click(f"a[href='/cases/{case_id}']")
            expect(page.locator("h1")).to_have_text("Kronologjia e rastit")
            expect(page.locator("#v1")).to_contain_text(
                "U identifikua një i mitur (trafikim) në Vlorë"
            )
            expect(page.locator("#v2 .chip")).to_contain_text(
                "Njoftimi i policisë: përmbushur në kohë"
            )
            assert _fits_the_screen(page)
            timeline_shot = tmp_path / "timeline.png"
            page.screenshot(path=str(timeline_shot), full_page=True)
            page.click("header button")  # Dil: log out
            expect(page).to_have_url(f"{base_url}/login")

            # A coordinator sees the overdue obligations first on the dashboard.
            _log_in(page, base_url, logins, "coordinator")
            page.click("nav a[href='/dashboard']")
            expect(page.locator("h1")).to_have_text("SOP dashboard")
            # Most overdue first: the Dibër case's second monthly follow-up (the
            # status decision of the Vlorë case whose person returned is set
            # aside); each item says who must act.
            overdue = page.locator("ul.overdue li")
            expect(overdue.first).to_contain_text("Monthly follow-up after closure")
            expect(overdue.first).to_contain_text("the case owner: mu-diber-1")
            expect(page.locator("ul.overdue")).to_contain_text("Referral answered")
            expect(page.locator("ul.overdue")).to_contain_text("Status determined")
            assert overdue.count() >= 3
            expect(page.locator("svg.chart").first).to_be_visible()
            assert _fits_the_screen(page)
            dashboard_shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(dashboard_shot), full_page=True)

            # The overdue row leads to the case, its missed step marked.
            overdue.first.locator(".case-head a").click()
            expect(page.locator(".attention .s-breached").first).to_contain_text(
                "Monthly follow-up after closure: overdue"
            )
        finally:
            browser.close()
    for shot in (timeline_shot, dashboard_shot):
        assert shot.stat().st_size > 10_000
        print(f"screenshot: {shot}")
