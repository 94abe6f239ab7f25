"""The relay rides out a broker that goes away and comes back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from devtools.kafka.process import LocalKafka
from domain.clock import ControlledClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.builders import identify, step
from tests.integration.kafka_helpers import decoded, kafka_env, read_topic, wait_for


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of this test's own, since the test stops it."""
    kafka = LocalKafka(tmp_path / "kafka")
    kafka.start(timeout=120)
    try:
        yield kafka
    finally:
        kafka.stop()


@pytest.fixture
def full(
    database: Database, clock: ControlledClock, own_broker: LocalKafka
) -> Iterator[Backbone]:
    env = kafka_env(own_broker.bootstrap_servers)
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        yield built


def test_the_relay_carries_on_when_the_broker_returns(
    full: Backbone, clock: ControlledClock, own_broker: LocalKafka
) -> None:
    relay = full.relay()
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        first = identify(full.service, clock)
        wait_for(lambda: relay.lag() == 0, 60, "the first event to be published")
        own_broker.stop()
        # Work goes on in the field while the broker is down.
        case = step(
            full.service, clock, first, "assess_risk", timedelta(hours=1), level="high"
        )
        identify(full.service, clock, region="berat")
        assert relay.lag() == 2
        own_broker.start(timeout=120)
        wait_for(lambda: relay.lag() == 0, 120, "the relay to publish after restart")
    finally:
        relay.stop()
        thread.join(timeout=60)
    assert not thread.is_alive(), "the relay did not stop on request"
    records = read_topic(own_broker.bootstrap_servers, full.kafka.events_topic, 3)
    keys = sorted((str(e.case_id), e.aggregate_version) for _p, e in decoded(records))
    assert len(keys) == 3 == len(set(keys))
    assert (case["case_id"], 2) in keys
