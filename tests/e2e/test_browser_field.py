"""The field-capture page in Chromium at a phone's size, with the connection
taken away (``set_offline``): what a worker records offline is kept
encrypted on the phone and, once online, recorded once; another worker's
step recorded meanwhile is put to the worker, never overwritten, while the
steps of other cases are recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from domain.clock import ControlledClock
from services.api.context import ApiContext
from services.api.routes import field as field_routes
from services.app.errors import CaseNotFound
from tests.e2e.conftest import START
from tests.e2e.field_pages import (
    PIN,
    STORAGE_TEXT,
    SUBJECT_REF,
    case_on_the_phone,
    identify,
    notify_by_phone,
    open_field,
    phone,
    queued,
    set_pin,
    unlock,
)
from tests.e2e.helpers import Api, PageLogins
from tests.e2e.test_browser_forms import _check


def test_a_step_made_stale_by_another_worker_is_put_to_the_worker_to_decide(
    context: ApiContext,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    api: Api,
    clock: ControlledClock,
    tmp_path: Path,
) -> None:
    case = api.identify()  # the worker's own cases, on the phone before it goes
    case_id = str(case["case_id"])
    other_id = str(api.identify(subject_ref="PV-FIELD-OTHER")["case_id"])
    with phone(START) as session:
        page = session.new_page()
        open_field(page, base_url, logins, tokens["vlora_worker"])
        set_pin(page)
        expect(page.locator("#case option")).to_have_count(3)

        session.set_offline(True)
        page.reload()  # offline: the page and the worker's cases come from the phone
        unlock(page)
        expect(page.locator(f"#case option[value='{case_id}']")).to_have_count(1)
        notify_by_phone(page, case_id)
        notify_by_phone(page, other_id)  # after it, on a case nobody touched
        # Meanwhile a lawyer records the consent on the first case.
        lawyer = api.as_("vlora_lawyer").post(
            f"/api/cases/{case_id}/consent",
            json={"scope": "services", "given_by": "subject", "expected_version": 1},
        )
        assert lawyer.status_code == 200, lawyer.text
        # (within the session's idle expiry: an expired one is another test)
        clock.advance(timedelta(minutes=20))
        session.set_offline(False)

        decision = page.locator("#decisions > li")
        expect(decision).to_contain_text("lawyer-vlora-1")
        expect(decision).to_contain_text("pëlqimi")
        assert queued(page) == 1  # the other case's step did not wait for it
        assert len(context.service.events(case_id)) == 2  # nothing written over it
        assert [e.type for e in context.service.events(other_id)] == [
            "Identified",
            "AuthorityNotified",
        ]
        _check(page, tmp_path, "field-conflict")

        decision.locator("button.after").click()

        expect(page.locator("#queue-empty")).to_be_visible()
        expect(page.locator("#decide")).to_be_hidden()
    events = context.service.events(case_id)
    assert [(e.type, e.actor_id) for e in events] == [
        ("Identified", "mu-vlora-1"),
        ("ConsentRecorded", "lawyer-vlora-1"),
        ("AuthorityNotified", "mu-vlora-1"),
    ]
    assert events[2].occurred_at == START  # when the phone captured it


def test_the_queue_on_the_phone_is_not_readable_without_the_pin(
    context: ApiContext,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    tmp_path: Path,
) -> None:
    with phone(START) as session:
        page = session.new_page()
        open_field(page, base_url, logins, tokens["vlora_worker"])
        set_pin(page)
        session.set_offline(True)
        expect(page.locator("#offline")).to_be_visible()
        _check(page, tmp_path, "field-offline")
        identify(page)
        expect(page.locator("#queue li")).to_contain_text(SUBJECT_REF)

        stored = page.evaluate(STORAGE_TEXT)

        assert '"seq":1' in stored  # the queued step was read
        for plain in (SUBJECT_REF, "sarande", "vlora-unit", PIN):
            assert plain not in stored, f"{plain!r} is readable in the storage"

        # Reloaded, the page shows nothing of the queue until the PIN is given.
        page.reload()
        expect(page.locator("#pin-unlock")).to_be_visible()
        expect(page.locator("#work")).to_be_hidden()
        page.fill("#pin", "0000")
        page.click("#pin-unlock")
        expect(page.locator("#pin-wrong")).to_be_visible()
        expect(page.locator("#work")).to_be_hidden()
        unlock(page)
        expect(page.locator("#queue li")).to_contain_text(SUBJECT_REF)
        case_id = case_on_the_phone(page)
    # Never sent: the server knows nothing of it.
    with pytest.raises(CaseNotFound):
        context.service.case(case_id)


def test_an_ended_session_stops_the_sync_keeps_the_queue_and_resumes_after_log_in(
    context: ApiContext,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    with phone(START) as session:
        page = session.new_page()
        open_field(page, base_url, logins, tokens["vlora_worker"])
        set_pin(page)
        session.set_offline(True)
        identify(page)
        case_id = case_on_the_phone(page)
        session.clear_cookies()  # the session ends while the phone is away

        session.set_offline(False)

        expect(page.locator("#login")).to_be_visible()
        assert queued(page) == 1
        with pytest.raises(CaseNotFound):
            context.service.case(case_id)

        open_field(page, base_url, logins, tokens["vlora_worker"])
        unlock(page)

        expect(page.locator("#queue-empty")).to_be_visible()
    assert [e.type for e in context.service.events(case_id)] == ["Identified"]


def test_a_phone_with_forms_older_than_the_servers_is_told_to_reload_them(
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with phone(START) as session:
        page = session.new_page()
        open_field(page, base_url, logins, tokens["vlora_worker"])
        set_pin(page)
        expect(page.locator("#stale")).to_be_hidden()
        # A new catalogue or rule file reaches the server while the phone is away.
        monkeypatch.setattr(field_routes, "field_version", lambda _rules: "newer")
        session.set_offline(True)
        page.reload()
        expect(page.locator("#stale")).to_be_hidden()

        session.set_offline(False)

        expect(page.locator("#stale")).to_be_visible()
        expect(page.locator("#stale a")).to_have_attribute("href", "/field/")
