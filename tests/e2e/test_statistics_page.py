"""The statistics page and its downloads, over HTTP and in a browser, on the
generated case load (tests/stats_data.py): the figures are those counted from
the scripts, small counts never leave unsuppressed except in the auditors'
export, which is recorded in the access log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright

from services.api.context import ApiContext
from services.api.wording import Wording
from services.config.bootstrap import Backbone
from tests import stats_data as d
from tests.e2e.helpers import PageLogins
from tests.e2e.page_forms import Browser
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _log_in
from tests.e2e.test_browser_forms import _check

YEAR = {"period": "year", "year": "2025"}


@pytest.fixture
def plan(backbone: Backbone) -> list[Any]:
    return d.load(backbone)


@pytest.fixture
def pages(
    base_url: str, tokens: dict[str, str], logins: PageLogins
) -> Iterator[dict[str, Browser]]:
    browsers = {
        who: Browser(base_url, logins, tokens[who])
        for who in ("coordinator", "auditor", "vlora_police", "authority")
    }
    yield browsers
    for browser in browsers.values():
        browser.close()


def csv_tables(body: bytes) -> dict[str, list[list[str]]]:
    """Each table of a downloaded CSV by its title: header row and rows."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    found: dict[str, list[list[str]]] = {}
    for n, row in enumerate(rows):
        if row == [] and n + 1 < len(rows):
            title = rows[n + 1][0]
            body_rows = []
            for later in rows[n + 3 :]:
                if not later:
                    break
                body_rows.append(later)
            found[title] = [r for r in body_rows if len(r) > 1]
    return found


def numbers_only_at_or_above(threshold: int, rows: list[list[str]]) -> bool:
    return all(
        not cell.isdigit() or int(cell) == 0 or int(cell) >= threshold
        for row in rows
        for cell in row[1:]
    )


def test_the_page_shows_the_counts_of_the_events_to_coordinators_only(
    plan: list[Any], pages: dict[str, Browser]
) -> None:
    page = pages["coordinator"].get("/statistics", **YEAR)
    assert page.status_code == 200, page.text
    assert "Identified persons by source" in page.text
    sources = d.count_identified(plan, d.YEAR_2025, "source")
    w = Wording.of("en", None)
    for code, n in sources.items():
        assert (
            f'<th scope="row">{w.code("source", code)}</th><td class="n shown">{n}</td>'
            in page.text
        )
    assert pages["vlora_police"].get("/statistics", **YEAR).status_code == 403
    albanian = pages["authority"].get("/statistics", **YEAR)
    assert albanian.status_code == 200
    assert "Persona të identifikuar sipas burimit" in albanian.text
    wrong = pages["coordinator"].get("/statistics", period="custom", to="2025-01-01")
    assert wrong.status_code == 422


def test_the_csv_has_every_table_with_small_counts_hidden(
    plan: list[Any], pages: dict[str, Browser]
) -> None:
    answer = pages["coordinator"].get("/statistics/download", format="csv", **YEAR)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    tables = csv_tables(answer.content)
    source = {row[0]: row[1] for row in tables["Identified persons by source"]}
    w = Wording.of("en", None)
    for code, n in d.count_identified(plan, d.YEAR_2025, "source").items():
        assert source[w.code("source", code)] == str(n)
    assert source["Total"] == str(len(plan))
    for title, rows in tables.items():
        assert numbers_only_at_or_above(5, rows), title
    # The generated load has small cells (Kosovo, the declines of a service...).
    assert any("<5" in row for rows in tables.values() for row in rows)


def test_the_excel_file_holds_the_same_published_tables(
    plan: list[Any], pages: dict[str, Browser]
) -> None:
    answer = pages["coordinator"].get("/statistics/download", format="xlsx", **YEAR)
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book["identified_source"]
    rows = {r[0]: r[1] for r in sheet.iter_rows(min_row=4, values_only=True)}
    w = Wording.of("en", None)
    for code, n in d.count_identified(plan, d.YEAR_2025, "source").items():
        assert rows[w.code("source", code)] == n
    # Every count shown is 0 or at least 5 (rates and times are formatted as such).
    counts = [
        cell.value
        for ws in book.worksheets[1:]
        for row in ws.iter_rows(min_row=4)
        for cell in row[1:]
        if cell.number_format == "General"
    ]
    assert "<5" in counts
    small = [
        (ws.title, [(c.value, c.number_format) for c in row])
        for ws in book.worksheets[1:]
        for row in ws.iter_rows(min_row=4)
        if any(
            isinstance(c.value, int)
            and 0 < c.value < 5
            and c.number_format == "General"
            for c in row[1:]
        )
    ]
    assert not small


def test_only_auditors_get_the_unsuppressed_export_and_it_is_logged(
    plan: list[Any], pages: dict[str, Browser], context: ApiContext
) -> None:
    exact = {"format": "csv", "exact": "1", **YEAR}
    refused = pages["coordinator"].get("/statistics/download", **exact)
    assert refused.status_code == 403
    answer = pages["auditor"].get("/statistics/download", **exact)
    assert answer.status_code == 200
    tables = csv_tables(answer.content)
    w = Wording.of("en", None)
    nationality = {
        row[0]: row[1] for row in tables["Identified persons by nationality"]
    }
    kosovo = d.count_identified(plan, d.YEAR_2025, "nationality")["XK"]
    assert nationality[w.country("XK")] == str(kosovo)
    views = [
        (e["actor_id"], e["view"], e["allowed"]) for e in context.access_log.entries()
    ]
    assert ("auditor-1", "statistics:unsuppressed", True) in views
    assert ("coordinator-1", "statistics:unsuppressed", False) in views


def test_the_page_fits_a_phone_passes_axe_and_filters_without_javascript(
    plan: list[Any],
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make system-deps"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # Without JavaScript: the filters are a plain form.
            session = browser.new_context(
                viewport=PHONE, locale="sq-AL", java_script_enabled=False
            )
            page = session.new_page()
            _log_in(page, base_url, logins, tokens["authority"])
            page.click("a[href='/statistics']")
            expect(page.locator("h1")).to_have_text("Statistika")
            page.select_option("#period", "month")
            page.fill("#month", "2025-01")
            page.select_option("#preset", "report")
            page.click("form.search button")
            expect(page.locator("#identified_sex_age")).to_be_visible()
            expect(page.locator("svg title").first).to_be_attached()
            shown = page.url
            session.close()
            # axe-core runs as a script: checked in a session that runs them.
            session = browser.new_context(viewport=PHONE, locale="sq-AL")
            page = session.new_page()
            _log_in(page, base_url, logins, tokens["authority"])
            page.goto(shown)
            _check(page, tmp_path, "statistics-report")
            page.goto(base_url + "/statistics?period=year&year=2025")
            _check(page, tmp_path, "statistics-all")
        finally:
            browser.close()
