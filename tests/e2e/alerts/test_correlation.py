"""One identification can be followed across the backbone by its correlation id:
the HTTP request, the recorded event, the Kafka headers, the delivery ledger,
the notifier's log lines and the e-mail itself."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from schemas.mapping import kafka_headers
from services.api.app import create_app
from services.api.context import api_context
from services.config.bootstrap import Backbone
from services.config.logs import configure_logging
from services.workers.notifier import Notifier
from tests.e2e.alerts.alert_helpers import ledger_rows, wait_for
from tests.e2e.alerts.conftest import POLICE_VLORA, Receivers, running
from tests.e2e.helpers import IDENTIFICATION

CORRELATION = "c0ffee00c0ffee00c0ffee00c0ffee00"


def test_a_correlation_id_given_over_http_reaches_the_event_kafka_ledger_and_email(
    live: Backbone,
    notifier: Notifier,
    receivers: Receivers,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")  # the notifier's info lines, on stderr
    context = api_context(live)
    token = context.users.issue_token("mu-vlora-1", "mobile_unit", ("vlora",), "sq")
    client = TestClient(create_app(context))
    with running(notifier.workers(embedded=True)):
        response = client.post(
            "/api/cases",
            json={
                **IDENTIFICATION,
                "is_minor": True,
                "age": 16,
                "municipality": "vlore",
            },
            headers={
                "Authorization": f"Bearer {token}",
                "X-Correlation-Id": CORRELATION,
            },
        )
        assert response.status_code == 201, response.text
        assert response.headers["X-Correlation-Id"] == CORRELATION
        case_id = response.json()["case_id"]
        wait_for(lambda: bool(receivers.smtp.to(POLICE_VLORA)), 10, "the police e-mail")
    [identified] = live.service.app.case_events(case_id)[:1]
    assert identified.correlation_id == CORRELATION
    assert (b"correlation_id", CORRELATION.encode()) in [
        (name.encode(), value) for name, value in kafka_headers(identified)
    ]
    rows = ledger_rows(notifier.pool, f"case_id = '{case_id}'")
    assert rows
    assert {row["correlation_id"] for row in rows} == {CORRELATION}
    [mail] = receivers.smtp.to(POLICE_VLORA)
    assert mail.message["X-Vatra-Correlation-Id"] == CORRELATION
    delivered = [
        json.loads(line)
        for line in capsys.readouterr().err.splitlines()
        if line.startswith("{") and '"alert_delivered"' in line
    ]
    assert delivered
    assert all(line["correlation_id"] == CORRELATION for line in delivered)
