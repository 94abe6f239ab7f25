"""Driving the field-capture page (``/field/``) in Chromium at a phone's size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from tests.e2e.helpers import PageLogins
from tests.e2e.test_browser import ARGS, CHROMIUM, PHONE, _log_in

PIN = "4821"
SUBJECT_REF = "PV-FIELD-0007"

# What is in the browser's storage, as text: IndexedDB records (bytes read
# as UTF-8 too), local and session storage, and the service worker's cache.
STORAGE_TEXT = """async () => {
  const out = [JSON.stringify(localStorage), JSON.stringify(sessionStorage)];
  const asText = (value) => {
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      return new TextDecoder("utf-8", { fatal: false }).decode(value);
    }
    if (value && typeof value === "object") {
      return Object.values(value).map(asText).join(" ") + JSON.stringify(value);
    }
    return String(value);
  };
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, ko) => {
      const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result);
      r.onerror = () => ko(r.error);
    });
    for (const name of db.objectStoreNames) {
      const all = await new Promise((ok, ko) => {
        const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
      });
      out.push(all.map(asText).join("\\n"));
    }
    db.close();
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (request.url.endsWith("/data/bundle")) {
        out.push(await (await cache.match(request)).text());
      }
    }
  }
  return out.join("\\n");
}"""


@contextmanager
def phone(phone_time: datetime | None = None) -> Iterator[BrowserContext]:
    """A browser context at a phone's size, its clock at ``phone_time``."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport=PHONE, locale="sq-AL")
            if phone_time is not None:
                context.clock.set_fixed_time(phone_time)
            yield context
        finally:
            browser.close()


def open_field(page: Page, base_url: str, logins: PageLogins, who: str) -> None:
    """Log in, open the field page, wait until its service worker keeps it."""
    _log_in(page, base_url, logins, who)
    page.goto(f"{base_url}/field/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("h1")).to_have_text("Regjistrim në terren")


def set_pin(page: Page) -> None:
    page.fill("#pin", PIN)
    page.click("#pin-set")
    expect(page.locator("#work")).to_be_visible()


def unlock(page: Page) -> None:
    page.fill("#pin", PIN)
    page.click("#pin-unlock")
    expect(page.locator("#work")).to_be_visible()


def identify(page: Page, subject_ref: str = SUBJECT_REF) -> None:
    page.click("#choose [data-form=identify]")
    page.fill("#subject_ref", subject_ref)
    page.fill("#mobile_unit", "vlora-unit")
    page.select_option("#municipality", "sarande")
    page.fill("#age", "30")
    page.check("input[name=sex][value=female]")
    page.select_option("#nationality", "AL")
    _keep(page)


def notify_by_phone(page: Page, case_id: str | None = None) -> None:
    _choose(page, "notify", case_id)
    pick(page, "authority", "police")
    pick(page, "channel", "phone")
    page.fill("#recipient", "police-vlora")
    _keep(page)


def consent(page: Page, case_id: str | None = None) -> None:
    _choose(page, "consent", case_id)
    pick(page, "scope", "services")
    pick(page, "given_by", "subject")
    _keep(page)


def pick(page: Page, name: str, value: str) -> None:
    """Choose ``value`` for a choice, drawn as radio buttons or a list box."""
    if page.locator(f"#slot select[name={name}]").count():
        page.select_option(f"#slot select[name={name}]", value)
    else:
        page.check(f"#slot input[name={name}][value={value}]")


def queued(page: Page) -> int:
    return page.locator("#queue li").count()


def case_on_the_phone(page: Page) -> str:
    """The id of the case the phone made (the first case offered)."""
    value: Any = page.eval_on_selector("#case option:nth-child(2)", "o => o.value")
    return str(value)


def _choose(page: Page, step: str, case_id: str | None) -> None:
    if case_id is not None:
        page.select_option("#case", case_id)
    page.click(f"#choose [data-form={step}]")


def _keep(page: Page) -> None:
    before = queued(page)
    page.click("#slot button[type=submit]")
    expect(page.locator("#queue li")).to_have_count(before + 1)
