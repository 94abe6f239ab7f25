"""A mobile unit records an identification and two steps with no connection,
on a phone, then reconnects: each step is recorded once, the police alert
goes out on sync, and the timeline shows how late each step was recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from services.api.app import create_app
from services.api.context import api_context
from services.api.serve import ApiServer
from services.config.bootstrap import Backbone
from services.workers.notifier import Notifier
from tests.e2e.alerts.alert_helpers import wait_for
from tests.e2e.alerts.conftest import (
    POLICE_VLORA,
    POLICE_VLORA_PHONE,
    Receivers,
    running,
)
from tests.e2e.field_pages import (
    case_on_the_phone,
    consent,
    identify,
    notify_by_phone,
    open_field,
    phone,
    queued,
    set_pin,
    unlock,
)
from tests.e2e.helpers import PageLogins
from tests.e2e.test_browser_forms import _check


def test_an_offline_identification_and_two_steps_are_recorded_once_on_reconnect(
    live: Backbone, notifier: Notifier, receivers: Receivers, tmp_path: Path
) -> None:
    context = api_context(live)
    token = context.users.issue_token("mu-vlora-1", "mobile_unit", ("vlora",), "sq")
    server = ApiServer(create_app(context))
    base_url = server.start()
    # The phone captures two hours before it is back in reach.
    captured = live.clock.now() - timedelta(hours=2)
    try:
        with running(notifier.workers(embedded=True)), phone(captured) as session:
            page = session.new_page()
            open_field(page, base_url, PageLogins(context), token)
            set_pin(page)

            session.set_offline(True)
            offline = page.locator("#offline")
            expect(offline).to_contain_text("policia NUK është njoftuar")
            expect(
                offline.locator(f"a[href='tel:{POLICE_VLORA_PHONE}']")
            ).to_be_visible()
            identify(page)
            case_id = case_on_the_phone(page)
            notify_by_phone(page, case_id)
            consent(page, case_id)
            page.reload()
            expect(offline).to_be_visible()
            unlock(page)
            assert queued(page) == 3

            session.set_offline(False)

            expect(page.locator("#queue-empty")).to_be_visible()
            expect(page.locator("#progress-text")).to_have_text("U dërguan 3 nga 3")
            wait_for(
                lambda: len(receivers.smtp.to(POLICE_VLORA)) == 1,
                10,
                "the police alert",
            )
            page.goto(f"{base_url}/cases/{case_id}")
            steps = page.locator("ol.steps > li")
            expect(steps.filter(has_text="regjistruar 2 orë më vonë")).to_have_count(3)
            expect(steps.filter(has_text="U regjistrua pëlqimi")).to_have_count(1)
            _check(page, tmp_path, "field-synced-timeline")
    finally:
        server.stop()
    mine = [e for e in live.service.events(case_id) if e.actor_id == "mu-vlora-1"]
    assert [e.type for e in mine] == [
        "Identified",
        "AuthorityNotified",
        "ConsentRecorded",
    ]
    for event in mine:
        assert event.recorded_at - event.occurred_at >= timedelta(hours=2)
