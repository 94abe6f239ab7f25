"""A whole case through the pages only, on a phone, by the four people who
work it: a mobile-unit worker identifies a minor and records consent and a
referral; the shelter accepts the referral; the Responsible Authority decides
the status; a caseworker records a service and a follow-up. On the way, a
double tap records once and a form opened before someone else's step shows
what changed and records only when sent again. Every page is checked with
axe-core and for its fit on a 390 x 844 screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from domain.clock import ControlledClock
from services.api.context import ApiContext
from tests.e2e.helpers import PageLogins
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _log_in
from tests.e2e.test_browser_forms import _check

# (user id, role, regions, language, unit)
PEOPLE = {
    "mobile_unit": ("mu-vlora-7", "mobile_unit", ("vlora",), "sq", None),
    "shelter": ("shelter-1", "shelter_staff", ("vlora",), "sq", "national_shelter"),
    "authority": ("ra-office-7", "responsible_authority", (), "sq", None),
    "caseworker": ("cw-vlora-7", "caseworker", ("vlora",), "en", None),
}
SUBMIT = "main form.form button[type=submit]"


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make system-deps"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _phone(
    browser: Browser, base_url: str, logins: PageLogins, token: str, language: str
) -> Page:
    session = browser.new_context(
        viewport=PHONE, locale="sq-AL" if language == "sq" else "en-GB"
    )
    page = session.new_page()
    _log_in(page, base_url, logins, token)
    return page


def _step(page: Page, case_id: str, path: str) -> None:
    """Open a step's form from the case's list of steps."""
    origin = re.match(r"https?://[^/]+", page.url)
    assert origin is not None, page.url
    page.goto(f"{origin[0]}/cases/{case_id}")
    page.click(f"ul.offer a[href*='/cases/{case_id}/steps/{path}']")


def test_a_whole_case_is_worked_through_the_pages_by_four_people_on_phones(
    context: ApiContext,
    clock: ControlledClock,
    base_url: str,
    browser: Browser,
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    tokens = {
        who: context.users.issue_token(user, role, regions, language, unit)
        for who, (user, role, regions, language, unit) in PEOPLE.items()
    }
    walk = Walk(browser, base_url, logins, tokens, tmp_path)
    case_id = walk.worker_identifies_a_minor_and_refers()
    walk.shelter_accepts(case_id)
    caseworker = walk.authority_decides_after_a_stale_form(case_id)
    walk.caseworker_records_a_service_and_a_follow_up(caseworker, case_id)

    # The timeline and the SOP obligations show all of it.
    steps = caseworker.locator("ol.steps")
    for said in (
        "Identified a minor",
        "Consent to services recorded",
        "Referred to Shelter accommodation and security",
        "Referral to Shelter accommodation and security accepted",
        "Risk assessed as high",
        "Status determined: victim",
        "Shelter accommodation and security started",
        "Case closed: reintegrated",
        "Follow-up by visit",
    ):
        expect(steps).to_contain_text(said)
    expect(steps.locator("li", has_text="Referred to")).to_have_count(1)
    met = caseworker.locator("ol.steps .sop").all_inner_texts()
    assert any("✓" in chips for chips in met), met
    _check(caseworker, tmp_path, "walk-end")
    recorded = context.service.events(case_id)
    events = [e.type for e in recorded]
    assert events.count("Referred") == 1
    assert events.count("StatusDetermined") == 1
    (referral,) = (e for e in recorded if e.type == "Referred")
    assert referral.payload["referral_id"] == "R-1"  # made by the backbone


class Walk:
    """The four people's phones, and what each does on the case."""

    def __init__(
        self,
        browser: Browser,
        base_url: str,
        logins: PageLogins,
        tokens: dict[str, str],
        shots: Path,
    ) -> None:
        self.browser = browser
        self.base_url = base_url
        self.logins = logins
        self.tokens = tokens
        self.shots = shots

    def phone(self, who: str) -> Page:
        return _phone(
            self.browser, self.base_url, self.logins, self.tokens[who], PEOPLE[who][3]
        )

    def worker_identifies_a_minor_and_refers(self) -> str:
        """The mobile-unit worker identifies a minor from the home page, records
        consent and a referral (double-tapped); the case's id."""
        worker = self.phone("mobile_unit")
        worker.click("a[href='/cases/new']")
        _check(worker, self.shots, "walk-identify")
        worker.fill("#subject_ref", "PV-WALK-1")
        worker.check("input[name=region][value=vlora]")
        worker.fill("#mobile_unit", "vlora-unit")
        worker.select_option("#municipality", "sarande")
        worker.check("#is_minor")
        worker.fill("#age", "15")
        worker.check("input[name=sex][value=female]")
        worker.select_option("#nationality", "AL")
        worker.check("input[name=case_type][value=trafficking]")
        worker.check("input[name=source][value=outreach]")
        worker.click(SUBMIT)
        expect(worker.locator(".done")).to_be_visible()
        opened = re.search(r"/cases/([0-9a-f-]{36})", worker.url)
        assert opened is not None, worker.url
        case_id = opened[1]
        expect(worker.locator("#v1")).to_contain_text("një i mitur")
        _check(worker, self.shots, "walk-timeline")

        # Consent, given by a guardian for a minor: the only choice, made.
        _step(worker, case_id, "consent")
        worker.check("input[name=scope][value=services]")
        worker.click(SUBMIT)
        expect(worker.locator(".done")).to_be_visible()

        # A referral to the shelter, whose id the backbone makes. A double tap
        # sends the same form twice: it records once.
        _step(worker, case_id, "refer")
        _check(worker, self.shots, "walk-refer")
        worker.select_option("#service", "shelter_accommodation")
        worker.check("input[name=agency][value=national_shelter]")
        action = self.base_url + str(
            worker.locator("main form.form").get_attribute("action")
        )
        fields: dict[str, str] = worker.evaluate(
            "Object.fromEntries(new FormData(document.querySelector('main form.form')))"
        )
        first = worker.request.post(action, form=fields, max_redirects=0)
        second = worker.request.post(action, form=fields, max_redirects=0)
        assert first.status == second.status == 303
        assert first.headers["location"] == second.headers["location"]
        worker.goto(self.base_url + first.headers["location"])
        expect(worker.locator("ol.steps > li")).to_have_count(3 + _alerts(worker))
        return case_id

    def shelter_accepts(self, case_id: str) -> None:
        """Shelter staff answer their own agency's open referral."""
        shelter = self.phone("shelter")
        shelter.goto(f"{self.base_url}/cases/{case_id}")
        offered = shelter.locator("ul.offer a").all_inner_texts()
        assert any("Prano" in text for text in offered), offered
        _step(shelter, case_id, "accept-referral")
        _check(shelter, self.shots, "walk-accept")
        expect(shelter.locator("input[name=referral_id]")).to_be_checked()
        shelter.click(SUBMIT)
        expect(shelter.locator(".done")).to_be_visible()

    def authority_decides_after_a_stale_form(self, case_id: str) -> Page:
        """The Responsible Authority's form was opened before the caseworker's
        risk assessment: sent then, it shows what changed and records nothing
        until sent again. The caseworker's phone, for what comes next."""
        authority = self.phone("authority")
        _step(authority, case_id, "determine-status")
        _check(authority, self.shots, "walk-status")
        authority.check("input[name=status][value=victim]")

        caseworker = self.phone("caseworker")
        _step(caseworker, case_id, "assess-risk")
        caseworker.check("input[name=level][value=high]")
        caseworker.click(SUBMIT)
        expect(caseworker.locator(".done")).to_be_visible()

        authority.click(SUBMIT)
        notice = authority.locator(".notice[role=alert]")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("lartë")  # the risk assessed meanwhile
        expect(authority.locator("input[name=status][value=victim]")).to_be_checked()
        _check(authority, self.shots, "walk-stale")
        authority.click(SUBMIT)
        expect(authority.locator(".done")).to_be_visible()
        return caseworker

    def caseworker_records_a_service_and_a_follow_up(
        self, caseworker: Page, case_id: str
    ) -> None:
        """The shelter service starts; once the case is closed as reintegrated,
        the first monthly follow-up it is due."""
        _step(caseworker, case_id, "start-service")
        caseworker.select_option("#service", "shelter_accommodation")
        caseworker.click(SUBMIT)
        expect(caseworker.locator(".done")).to_be_visible()
        caseworker.goto(f"{self.base_url}/cases/{case_id}")
        expect(caseworker.locator("ul.offer")).not_to_contain_text("Record a follow-up")
        _step(caseworker, case_id, "close")
        caseworker.select_option("#reason", "reintegrated")
        caseworker.click(SUBMIT)
        expect(caseworker.locator(".done")).to_be_visible()
        _step(caseworker, case_id, "follow-up")
        _check(caseworker, self.shots, "walk-follow-up")
        caseworker.check("input[name=method][value=visit]")
        caseworker.fill("#outcome", "Settled at the shelter, attends school.")
        caseworker.click(SUBMIT)
        expect(caseworker.locator(".done")).to_be_visible()


def _alerts(page: Page) -> int:
    """Steps the backbone recorded itself so far (alerts sent, deadlines)."""
    return page.locator("ol.steps > li", has_text="Vatra Backbone").count()
