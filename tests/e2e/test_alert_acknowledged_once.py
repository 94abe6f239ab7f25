"""An alert is acknowledged once, at the time the server received it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import ControlledClock
from services.api.context import ApiContext
from tests.e2e.helpers import Api


def test_a_repeated_acknowledgement_is_already_acknowledged_at_server_time(
    api: Api, context: ApiContext, clock: ControlledClock
) -> None:
    case: dict[str, Any] = api.identify()
    api.step(
        "vlora_worker",
        case,
        "notify",
        authority="police",
        channel="email",
        recipient="police-vlora",
        reference="P-1",
    )
    clock.advance(timedelta(hours=1))
    police = api.as_("vlora_police")
    url = f"/api/alerts/{case['case_id']}/acknowledge"
    first = police.post(url, json={"occurred_at": "2026-03-02T08:00:00+00:00"})
    assert first.status_code == 200, first.text
    for _ in range(2):
        again = police.post(url, json={})
        assert again.status_code == 409
        assert again.json()["error"] == "already_acknowledged"
    acks = [
        e
        for e in context.service.app.case_events(case["case_id"])
        if type(e).__name__ == "AlertAcknowledged"
    ]
    assert len(acks) == 1
    assert acks[0].occurred_at == clock.now()
