"""The person behind a case, in a real headless Chromium at a phone's size
(390 x 844), in Albanian: a worker records the person and a note, finds the
person again by the name typed without diacritics, two people erase the
person's data, and the timeline shows "[fshirë]" where the note was. Every
page fits the screen, keeps its tap targets and passes axe-core."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.helpers import Api, PageLogins
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _log_in
from tests.e2e.test_browser_forms import _check

NOTE = "Ëngjëllushe Çela thotë se e mbajnë me borxh. Tel. +355 69 123 4567."


def _page(browser: Browser, base_url: str, logins: PageLogins, who: str) -> Page:
    page = browser.new_context(viewport=PHONE, locale="sq-AL").new_page()
    _log_in(page, base_url, logins, who)
    return page


def _record_the_person_and_a_note(worker: Page, timeline: str, shots: Path) -> None:
    worker.goto(timeline)
    worker.click("a[href$='/person']")
    expect(worker.locator("h1")).to_have_text("Personi")
    _check(worker, shots, "person-none")
    worker.click("a.button[href$='/person/edit']")
    expect(worker.locator("h1")).to_have_text("Kush është personi")
    _check(worker, shots, "person-form")
    worker.fill("#given_names", "Ëngjëllushe")
    worker.fill("#family_name", "Çela")
    worker.fill("#birth_year", "1999")
    worker.fill("#phone", "+355 69 123 4567")
    worker.check("input[name=languages][value=sq]")
    worker.select_option("#nationality", "AL")
    worker.click("main form button[type=submit]")
    expect(worker.locator(".done")).to_have_text("Të dhënat e personit u ruajtën.")
    expect(worker.locator("main")).to_contain_text("Çela")
    _check(worker, shots, "person")

    worker.goto(timeline)
    worker.click("a[href$='/notes/new']")
    _check(worker, shots, "note-form")
    worker.fill("#note", NOTE)
    worker.click("main form button[type=submit]")
    expect(worker.locator("ol.steps")).to_contain_text("U shtua një shënim")
    expect(worker.locator("ol.steps")).to_contain_text(NOTE)


def _find_by_the_folded_name(worker: Page, base_url: str, shots: Path) -> None:
    worker.goto(f"{base_url}/cases/new")
    worker.click("a[href='/people/search']")
    expect(worker.locator("h1")).to_have_text("A është i njohur ky person?")
    worker.fill("#name", "engjellushe cela")
    worker.click("main form button[type=submit]")
    expect(worker.locator("ul.cards")).to_contain_text("PV-BROWSER-1")
    _check(worker, shots, "search")


def _erase_with_two_people(
    coordinator: Page, authority: Page, timeline: str, shots: Path
) -> None:
    coordinator.goto(timeline)
    coordinator.click("a[href$='/erase']")
    _check(coordinator, shots, "erase-ask")
    coordinator.check("input[name=reason][value=person_asked]")
    coordinator.click("main form button[type=submit]")
    expect(coordinator.locator("main")).to_contain_text(
        "Another coordinator or the Responsible Authority confirms it."
    )
    expect(coordinator.locator("form[action$='/confirm']")).to_have_count(0)

    authority.goto(f"{timeline}/erase")
    _check(authority, shots, "erase-confirm")
    authority.click("form[action$='/confirm'] button")
    expect(authority.locator("ol.steps")).to_contain_text(
        "Të dhënat personale u fshinë"
    )


def test_record_find_and_erase_a_person_with_two_people_on_a_phone(
    api: Api, base_url: str, tokens: dict[str, str], logins: PageLogins, tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make system-deps"
    case = api.identify(subject_ref="PV-BROWSER-1")
    timeline = f"{base_url}/cases/{case['case_id']}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            worker = _page(browser, base_url, logins, tokens["vlora_worker"])
            _record_the_person_and_a_note(worker, timeline, tmp_path)
            _find_by_the_folded_name(worker, base_url, tmp_path)
            _erase_with_two_people(
                _page(browser, base_url, logins, tokens["coordinator"]),
                _page(browser, base_url, logins, tokens["authority"]),
                timeline,
                tmp_path,
            )

            worker.goto(timeline)
            steps = worker.locator("ol.steps")
            expect(steps).to_contain_text("U shtua një shënim")
            expect(steps).to_contain_text("[fshirë]")
            content = worker.content()
            assert "Çela" not in content
            assert "123 4567" not in content
            _check(worker, tmp_path, "timeline-erased")
            worker.goto(f"{timeline}/person")
            expect(worker.locator("main")).to_contain_text("[fshirë]")
            assert "Çela" not in worker.content()
        finally:
            browser.close()
