"""The forms in a real headless Chromium at a phone's size (390 x 844): they
fit the screen, their tap targets are big enough, and axe-core finds no
serious or critical accessibility problem. No script runs on the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from services.api.context import ApiContext
from tests.e2e.helpers import PageLogins
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _fits_the_screen, _log_in

# Tap targets (inputs, buttons, boxes) at least this big, in CSS pixels.
TAP = 24


def _serious_problems(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page, briefly."""
    results = Axe().run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _small_targets(page: Page) -> list[str]:
    small: list[str] = page.evaluate(
        """(tap) => [...document.querySelectorAll(
              'main input:not([type=hidden]), main select, main textarea,'
              + ' main button, main label.option, header button')]
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width < tap || r.height < tap; })
            .map(e => e.outerHTML.slice(0, 80))""",
        TAP,
    )
    return small


def _check(page: Page, shots: Path, name: str) -> None:
    assert _fits_the_screen(page), f"{name} is wider than the phone"
    assert _small_targets(page) == [], name
    assert _serious_problems(page) == [], name
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    print(f"screenshot: {shots / name}.png")


def test_the_identification_and_a_step_form_fit_a_phone_and_pass_axe(
    context: ApiContext, base_url: str, logins: PageLogins, tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make system-deps"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            session = browser.new_context(
                viewport=PHONE, locale="sq-AL", java_script_enabled=True
            )
            page = session.new_page()
            _log_in(page, base_url, logins, "vlora_worker")

            page.click("a[href='/cases/new']")
            expect(page.locator("h1")).to_have_text("Hap një rast")
            _check(page, tmp_path, "identify")
            page.fill("#subject_ref", "PV-PHONE-1")
            page.fill("#mobile_unit", "vlora-unit")
            page.select_option("#municipality", "sarande")
            page.check("#is_minor")
            page.fill("#age", "15")
            page.check("input[name=sex][value=female]")
            page.select_option("#nationality", "AL")
            page.click("main form button[type=submit]")
            expect(page.locator(".done")).to_have_text(
                "Rasti u hap: identifikimi u regjistrua."
            )
            assert "#v1" in page.url
            _check(page, tmp_path, "timeline")

            page.click("ul.offer a.step[href$='/steps/consent']")
            expect(page.locator("h1")).to_have_text("Regjistro pëlqimin")
            _check(page, tmp_path, "consent")
            page.check("input[name=scope][value=services]")
            # A minor's consent is given by a guardian: the only choice, made.
            expect(page.locator("input[name=given_by]")).to_have_count(1)
            expect(page.locator("input[name=given_by]")).to_be_checked()
            page.click("main form button[type=submit]")
            expect(page.locator(".done")).to_have_text("U krye: Regjistro pëlqimin.")
            expect(page.locator("#v2")).to_contain_text(
                "U regjistrua pëlqimi për shërbime (dhënë nga kujdestari)"
            )
        finally:
            browser.close()
