"""Every kind of page, on a phone: with the demo scenario recorded, each page a
caseworker, a coordinator, the police and an auditor can reach (one of each
route) is opened in Chromium at 390 x 844 and must fit the screen, keep its
tap targets at least 24 px, and pass axe-core with no serious or critical
violation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from services.api.context import ApiContext
from tests.e2e.helpers import PageLogins
from tests.e2e.test_albanian_pages import CRAWLERS, crawl, shape_of
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _log_in
from tests.e2e.test_browser_forms import _check

__all__ = ["crawl"]  # the crawl fixture, shared with the Albanian-page test

ROLES = ("caseworker", "coordinator", "police", "auditor")


@pytest.mark.parametrize("who", ROLES)
def test_every_kind_of_page_fits_a_phone_and_passes_axe(
    who: str,
    crawl: Callable[[str], dict[str, str]],
    context: ApiContext,
    base_url: str,
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make system-deps"
    one_of_each: dict[str, str] = {}
    for path in crawl(who):
        one_of_each.setdefault(shape_of(path), path)
    assert len(one_of_each) >= 3
    user_id, role, regions = CRAWLERS[who]
    token = context.users.issue_token(user_id, role, regions, "sq")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport=PHONE, locale="sq-AL").new_page()
            _log_in(page, base_url, logins, token)
            for n, path in enumerate(sorted(one_of_each.values())):
                page.goto(base_url + path)
                try:
                    _check(page, tmp_path, f"{who}-{n}")
                except AssertionError as problem:
                    raise AssertionError(f"{path}: {problem}") from None
        finally:
            browser.close()
