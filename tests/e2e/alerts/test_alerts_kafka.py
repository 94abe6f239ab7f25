"""Alerts in the full mode: relay to a real Kafka broker, intake on its own
consumer group, dispatcher beside it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from domain.clock import SystemClock
from services.config.alerting import build_notifier
from services.config.bootstrap import Backbone, open_backbone
from services.config.notify_settings import load_notify_settings
from services.config.settings import load_settings
from services.store.database import Database
from services.workers.notifier import Notifier
from tests.builders import (
    SEEDED_NAME,
    SUBJECT_REF,
    events_of,
    identify,
    identify_minor_in_vlora,
)
from tests.e2e.alerts.alert_helpers import wait_for
from tests.e2e.alerts.conftest import (
    CPU_VLORE,
    POLICE_VLORA,
    RESPONSIBLE_AUTHORITY,
    Receivers,
    running,
)
from tests.integration.kafka_helpers import kafka_env


@pytest.fixture
def full_env(kafka_servers: str, notify_env: dict[str, str]) -> dict[str, str]:
    return {
        **notify_env,
        **kafka_env(kafka_servers),
        "VATRA_KAFKA_NOTIFIER_GROUP": f"test-{uuid.uuid4().hex[:10]}-notifier",
        "VATRA_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def full(database: Database, full_env: dict[str, str]) -> Iterator[Backbone]:
    settings = load_settings(full_env)
    with open_backbone(settings, clock=SystemClock(), database=database) as built:
        yield built


@pytest.fixture
def kafka_notifier(full: Backbone, full_env: dict[str, str]) -> Iterator[Notifier]:
    built = build_notifier(full, load_notify_settings(full_env), worker="kafka-test")
    try:
        yield built
    finally:
        built.close()


def test_in_kafka_mode_a_minor_identified_in_vlora_alerts_each_authority_once(
    full: Backbone, kafka_notifier: Notifier, receivers: Receivers
) -> None:
    sink = receivers.smtp
    with running([full.relay(), *kafka_notifier.workers(embedded=False)]):
        # A first case lets the consumer group form before the clock starts.
        identify(
            full.service,
            full.clock,
            subject_ref="PV-WARMUP",
            region="berat",
            mobile_unit="berat-unit",
            municipality="berat",
            actor_id="mu-berat-1",
        )
        wait_for(lambda: sink.count() == 2, 90, "the first case's alerts")
        case = identify_minor_in_vlora(full.service, full.clock)
        wait_for(lambda: sink.count() == 5, 10, "the minor's three alerts")
        wait_for(
            lambda: (
                len(events_of(full.service, case["case_id"], "AuthorityNotified")) == 3
            ),
            10,
            "AuthorityNotified for each authority",
        )
    ref = f"VT-{case['case_id'].replace('-', '')[:8].upper()}"
    for address in (POLICE_VLORA, RESPONSIBLE_AUTHORITY, CPU_VLORE):
        [mail] = [m for m in sink.to(address) if ref in m.text]
        raw = mail.raw.decode("utf-8", errors="replace")
        assert SUBJECT_REF not in raw
        assert SEEDED_NAME not in raw
    notified = events_of(full.service, case["case_id"], "AuthorityNotified")
    assert sorted(e.authority for e in notified) == [
        "child_protection_unit",
        "police",
        "responsible_authority",
    ]
