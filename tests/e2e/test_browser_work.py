"""Finding a case, the task list and the dashboard in a real Chromium at a
phone's size: they fit the screen, every tap target is at least 24 px, and
axe-core finds no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from domain.clock import ControlledClock
from services.api.context import ApiContext
from services.cli.demo import demo_case_id, record_scenario
from tests.e2e.helpers import PageLogins
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _fits_the_screen, _log_in

# What a finger taps: links, buttons, fields and the labels of check boxes.
TARGETS = "main a, main button, main input, main select, main label.check, nav a"


def _small_targets(page: Page) -> list[str]:
    """The visible tap targets smaller than 24 by 24 CSS pixels."""
    found: list[str] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null)
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.width < 24 || r.height < 24)
            .map(([e, r]) => `${e.outerHTML.slice(0, 80)} ${r.width}x${r.height}`)""",
        TARGETS,
    )
    return found


def _serious_violations(page: Page) -> list[dict[str, Any]]:
    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        {"id": v["id"], "nodes": [n["html"] for n in v["nodes"]][:3]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def _check(page: Page, name: str, shots: Path) -> None:
    assert _fits_the_screen(page), name
    assert _small_targets(page) == [], name
    assert _serious_violations(page) == [], name
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_finding_a_case_the_tasks_and_the_dashboard_work_on_a_phone(
    context: ApiContext,
    clock: ControlledClock,
    base_url: str,
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    record_scenario(context.service, clock, clock.now())
    case_id = str(demo_case_id())
    short = "VT-" + case_id.replace("-", "")[:8].upper()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            session = browser.new_context(viewport=PHONE, locale="sq-AL")
            page = session.new_page()

            # A worker types the short id from an alert, only their cases.
            _log_in(page, base_url, logins, "vlora_worker")
            _check(page, "home", tmp_path)
            page.fill("#q", short.lower())
            page.check("input[name=mine]")
            page.select_option("#state", "open")
            page.click("form[role=search] button")
            expect(page.locator("p.count")).to_have_text("Rastet 1\N{EN DASH}1 nga 1")
            expect(page.locator("ul.cases li")).to_contain_text(short)
            _check(page, "found", tmp_path)

            page.click("nav a[href='/tasks']")
            expect(page.locator("h1")).to_have_text("Detyrat e mia")
            _check(page, "tasks", tmp_path)
            page.click("header button")

            _log_in(page, base_url, logins, "coordinator")
            page.click("nav a[href='/dashboard']")
            expect(page.locator("ul.overdue li").first).to_be_visible()
            _check(page, "dashboard", tmp_path)
            page.click("a[href='/dashboard/set-aside']")
            expect(page.locator("h1")).to_have_text("Obligations set aside")
            expect(page.locator("ul.set-aside")).to_contain_text(
                "the person returned to a country"
            )
            _check(page, "set-aside", tmp_path)
        finally:
            browser.close()
