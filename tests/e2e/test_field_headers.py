"""The field-capture app's headers: its own scripts and service worker may
run under /field/, the files without case data may be kept, and every other
page keeps the strict policy with no script and no-store."""

from __future__ import annotations

import httpx

from services.api.edge import CSP
from tests.e2e.helpers import PageLogins
from tests.e2e.page_forms import Browser


def test_the_field_page_runs_only_its_own_script_files(
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    worker = Browser(base_url, logins, tokens["vlora_worker"])
    try:
        page = worker.get("/field/")
        home = worker.get("/")
        bundle = worker.get("/field/data/bundle")
    finally:
        worker.close()
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "worker-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in page.text  # no inline script: only files
    assert page.headers["cache-control"] == "no-store"
    assert bundle.headers["cache-control"] == "no-store"
    assert home.headers["content-security-policy"] == CSP
    assert "script-src" not in home.headers["content-security-policy"]


def test_the_service_worker_and_manifest_are_served_as_files_that_may_be_kept(
    base_url: str,
) -> None:
    with httpx.Client(base_url=base_url) as client:
        worker = client.get("/field/sw.js")
        manifest = client.get("/field/manifest.webmanifest")
        missing = client.get("/field/secrets.txt")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert 'addEventListener("fetch"' in worker.text
    assert manifest.json()["start_url"] == "/field/"
    assert missing.status_code == 404


def test_the_field_page_needs_a_session_and_the_right_to_open_cases(
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    with httpx.Client(base_url=base_url) as client:
        assert client.get("/field/").status_code == 303
        assert client.get("/field/data/bundle").status_code == 303
    police = Browser(base_url, logins, tokens["vlora_police"])
    try:
        assert police.get("/field/").status_code == 403
    finally:
        police.close()
