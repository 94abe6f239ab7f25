"""A legal clinic case through the pages only, on phones: a lawyer (in
Albanian) opens it at the clinic on a prosecutor's referral, records a
consultation, the complaint, the proceedings and a hearing; the clinic page
shows the hearing with nobody to go with the person, and the psychologist (in
English) names herself from there and records a counselling session; the
lawyer records the hearing held and the judgment. Every page is checked with
axe-core and for its fit on a 390 x 844 screen; the timeline reads every
proceeding in both languages.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from domain.clock import ControlledClock
from services.api.context import ApiContext
from tests.e2e.helpers import PageLogins
from tests.e2e.test_browser_forms import _check
from tests.e2e.test_walk_a_case import SUBMIT, _phone, _step, browser  # noqa: F401

LAWYER = ("lawyer-walk-1", "lawyer", ("vlora",), "sq")
PSYCHOLOGIST = ("psy-walk-1", "psychologist", ("vlora",), "en")


def _done(page: Page) -> None:
    expect(page.locator(".done")).to_be_visible()


def test_a_clinic_case_is_worked_from_intake_to_judgment_through_the_pages(
    context: ApiContext,
    clock: ControlledClock,
    base_url: str,
    browser: Browser,  # noqa: F811
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    tokens = {
        who: context.users.issue_token(user, role, regions, language)
        for who, (user, role, regions, language) in {
            "lawyer": LAWYER,
            "psychologist": PSYCHOLOGIST,
        }.items()
    }
    lawyer = _phone(browser, base_url, logins, tokens["lawyer"], "sq")
    psychologist = _phone(browser, base_url, logins, tokens["psychologist"], "en")

    case_id = _intake(lawyer, tmp_path)
    _legal_steps(lawyer, case_id, tmp_path)
    _companion_from_the_clinic_page(psychologist, base_url, case_id, tmp_path)

    # The hearing takes place (the phones log in again: their sessions ended
    # while the days passed); later, the judgment.
    clock.advance(timedelta(days=18, hours=3))
    lawyer = _phone(browser, base_url, logins, tokens["lawyer"], "sq")
    _hearing_held_and_judgment(lawyer, case_id, tmp_path)

    lawyer.goto(f"{base_url}/cases/{case_id}")
    _check(lawyer, tmp_path, "clinic-end-sq")
    steps_sq = lawyer.locator("ol.steps")
    for said in (
        "Konsultim ligjor i zhvilluar (personalisht)",
        "Kallëzim i paraqitur pranë: prokurori",
        "U regjistrua procedimi penal, numri i prokurorisë Nr. 1234/2026",
        "Seanca H-1 u caktua në Gjykata e Shkallës së Parë, Vlorë më 20.03.2026 09:30",
        "E shoqëron personin në seancën H-1: psy-walk-1",
        "Seancë këshillimi psikologjik e zhvilluar (personalisht, 50 minuta)",
        "Seanca H-1 u zhvillua; e shoqëroi personin: lawyer-walk-1, psy-walk-1",
        "Vendimi: dënim, dënim me 96 muaj (vendim publik)",
    ):
        expect(steps_sq).to_contain_text(said)
    psychologist = _phone(browser, base_url, logins, tokens["psychologist"], "en")
    psychologist.goto(f"{base_url}/cases/{case_id}")
    _check(psychologist, tmp_path, "clinic-end-en")
    steps_en = psychologist.locator("ol.steps")
    for said in (
        "Opened at the legal clinic, referred by a prosecutor's office",
        "Legal consultation held (in person)",
        "Complaint filed with the prosecutor",
        "Hearing H-1 scheduled at First Instance Court, Vlorë on 20.03.2026 09:30",
        "Counselling session held (in person, 50 minutes)",
        "Decision: conviction, sentence of 96 months (public judgment)",
    ):
        expect(steps_en).to_contain_text(said)
    recorded = [e.type for e in context.service.events(case_id)]
    assert recorded[:2] == ["Identified", "ClinicIntakeRecorded"]
    assert recorded.count("HearingHeld") == recorded.count("JudgmentGiven") == 1


def _intake(lawyer: Page, shots: Path) -> str:
    """The lawyer opens the case at the clinic from the home page; its id."""
    lawyer.click("a[href='/clinic/new']")
    _check(lawyer, shots, "clinic-intake")
    lawyer.fill("#subject_ref", "LC-WALK-1")
    lawyer.select_option("#municipality", "vlore")
    lawyer.fill("#age", "34")
    lawyer.check("input[name=sex][value=female]")
    lawyer.select_option("#nationality", "AL")
    lawyer.check("input[name=case_type][value=domestic_violence]")
    lawyer.check("input[name=referral_source][value=prosecutor]")
    lawyer.click(SUBMIT)
    _done(lawyer)
    opened = re.search(r"/cases/([0-9a-f-]{36})", lawyer.url)
    assert opened is not None, lawyer.url
    expect(lawyer.locator("ol.steps")).to_contain_text(
        "Hapur në klinikën ligjore, referuar nga: një prokurori"
    )
    _check(lawyer, shots, "clinic-timeline")
    return opened[1]


def _legal_steps(lawyer: Page, case_id: str, shots: Path) -> None:
    """A consultation, the complaint, the proceedings and a hearing."""
    expect(lawyer.locator("ul.offer")).not_to_contain_text(
        "Regjistro një seancë të zhvilluar"
    )
    _step(lawyer, case_id, "consultation")
    lawyer.check("input[name=mode][value=in_person]")
    lawyer.click(SUBMIT)
    _done(lawyer)
    _step(lawyer, case_id, "complaint")
    lawyer.check("input[name=filed_with][value=prosecutor]")
    lawyer.click(SUBMIT)
    _done(lawyer)
    _step(lawyer, case_id, "proceedings")
    lawyer.fill("#prosecutor_reference", "Nr. 1234/2026")
    lawyer.click(SUBMIT)
    _done(lawyer)
    _step(lawyer, case_id, "hearing")
    _check(lawyer, shots, "clinic-hearing")
    lawyer.select_option("#court", "first_instance_vlore")
    lawyer.fill("#hearing_at", "2026-03-20T09:30")
    lawyer.click(SUBMIT)
    _done(lawyer)
    # A hearing is held only once one is scheduled: now it is offered.
    expect(lawyer.locator("ul.offer")).to_contain_text(
        "Regjistro një seancë të zhvilluar"
    )


def _companion_from_the_clinic_page(
    psychologist: Page, base_url: str, case_id: str, shots: Path
) -> None:
    """The clinic page shows the hearing with nobody to go with the person;
    the psychologist names herself from there, then records a session."""
    psychologist.goto(f"{base_url}/clinic")
    _check(psychologist, shots, "clinic-page")
    hearing = psychologist.locator("ul.hearings li")
    expect(hearing).to_contain_text("20.03.2026 09:30")
    expect(hearing).to_contain_text("First Instance Court, Vlorë")
    expect(hearing).to_contain_text("Nobody goes with the person yet.")
    hearing.locator("a", has_text="Assign who goes").click()
    _check(psychologist, shots, "clinic-companions")
    expect(psychologist.locator("input[name=hearing_id][value='H-1']")).to_be_checked()
    psychologist.fill("#psychologist_id", "psy-walk-1")
    psychologist.click(SUBMIT)
    _done(psychologist)
    _step(psychologist, case_id, "counselling-session")
    _check(psychologist, shots, "clinic-session")
    psychologist.check("input[name=mode][value=in_person]")
    psychologist.fill("#minutes", "50")
    psychologist.click(SUBMIT)
    _done(psychologist)
    psychologist.goto(f"{base_url}/clinic")
    expect(psychologist.locator("ul.hearings li")).to_contain_text("psy-walk-1")


def _hearing_held_and_judgment(lawyer: Page, case_id: str, shots: Path) -> None:
    _step(lawyer, case_id, "hearing-held")
    _check(lawyer, shots, "clinic-hearing-held")
    lawyer.check("input[name=hearing_id][value='H-1']")
    lawyer.fill("#lawyer_id", "lawyer-walk-1")
    lawyer.fill("#psychologist_id", "psy-walk-1")
    lawyer.click(SUBMIT)
    _done(lawyer)
    expect(lawyer.locator("ul.offer")).not_to_contain_text(
        "Regjistro një seancë të zhvilluar"
    )
    _step(lawyer, case_id, "judgment")
    _check(lawyer, shots, "clinic-judgment")
    lawyer.select_option("#court", "first_instance_vlore")
    lawyer.select_option("#outcome", "conviction")
    lawyer.check("#judgment_public")
    lawyer.fill("#sentence_months", "96")
    lawyer.click(SUBMIT)
    _done(lawyer)
