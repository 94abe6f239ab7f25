"""The browsable API document loads without internet: every file of ``/docs``
comes from this server, and its content security policy allows nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Request, Route, sync_playwright

from services.api.context import ApiContext
from services.config.settings import ApiSettings
from tests.e2e.test_browser import ARGS, CHROMIUM
from tests.e2e.test_http_edge import served


@pytest.fixture
def docs_url(context: ApiContext) -> Iterator[str]:
    with served(context, ApiSettings(docs=True)) as url:
        yield url


def test_docs_reference_no_other_host_and_allow_only_this_one(docs_url: str) -> None:
    page = httpx.get(f"{docs_url}/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "http" not in policy
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "<script>" not in page.text  # no inline script: 'self' alone runs
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert references
    for reference in references:
        assert not urlsplit(reference).netloc, reference
        assert httpx.get(f"{docs_url}{reference}").status_code == 200, reference
    assert httpx.get(f"{docs_url}/redoc").status_code == 404  # it needs a CDN


def test_docs_show_the_api_in_a_browser_that_cannot_reach_any_other_host(
    docs_url: str,
) -> None:
    own = urlsplit(docs_url).netloc
    elsewhere: list[str] = []
    refused: list[str] = []

    def only_this_server(route: Route, request: Request) -> None:
        if urlsplit(request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", only_this_server)
            page.on(
                "console",
                lambda message: (
                    refused.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            page.goto(f"{docs_url}/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)
            title = page.locator(".info .title").inner_text()
            paths = page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            browser.close()
    assert title.startswith("Vatra Backbone")
    assert any("/api/cases/{case_id}/refer" in path for path in paths)
    assert elsewhere == []
    assert refused == []
