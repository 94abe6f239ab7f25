"""The acknowledgement link in a police alert, opened and pressed in the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.context import api_context
from services.config.bootstrap import Backbone
from services.workers.notifier import Notifier
from tests.builders import events_of, identify_minor_in_vlora
from tests.e2e.alerts.alert_helpers import wait_for
from tests.e2e.alerts.conftest import POLICE_VLORA, Receivers, running


def test_the_link_in_a_police_alert_acknowledges_it_once_and_only_when_pressed(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    client = TestClient(create_app(api_context(live)))
    with running(notifier.workers(embedded=True)):
        case = identify_minor_in_vlora(live.service, live.clock)
        wait_for(lambda: bool(receivers.smtp.to(POLICE_VLORA)), 10, "the police e-mail")
        # The link is pressed once the notifier has recorded the delivery on
        # the case: an alert nobody was told of cannot be acknowledged.
        wait_for(
            lambda: any(
                event.authority == "police"
                for event in events_of(
                    live.service, case["case_id"], "AuthorityNotified"
                )
            ),
            10,
            "the police notification recorded on the case",
        )
    [mail] = receivers.smtp.to(POLICE_VLORA)
    link = re.search(r"https://vatra\.example\.org(/ack/[\w.=-]+)", mail.text)
    assert link, mail.text
    path = link[1]

    opened = client.get(path)
    assert opened.status_code == 200
    assert f'<form method="post" action="{path}"' in opened.text
    assert "Konfirmoni që e morët njoftimin" in opened.text  # Albanian by default
    assert events_of(live.service, case["case_id"], "AlertAcknowledged") == []

    english = {"Accept-Language": "en-GB,en;q=0.9"}
    pressed = client.post(path, headers=english)
    assert pressed.status_code == 200
    assert "Your acknowledgement is recorded." in pressed.text
    again = client.post(path)
    assert "Njoftimi ishte konfirmuar më parë." in again.text
    [acknowledged] = events_of(live.service, case["case_id"], "AlertAcknowledged")
    assert acknowledged.authority == "police"

    forged = client.post(path[:-3] + "abc", headers=english)
    assert forged.status_code == 400
    assert "not valid or has expired" in forged.text
    assert len(events_of(live.service, case["case_id"], "AlertAcknowledged")) == 1
