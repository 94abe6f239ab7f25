"""The relay's lag metric follows the store while the broker is away."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer
from prometheus_client import REGISTRY

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import KafkaSettings, load_settings
from services.kafka.relay import Relay
from services.store.database import Database
from tests.builders import identify
from tests.integration.kafka_helpers import kafka_env, wait_for


def _unreachable_kafka() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def _impatient_producer(settings: KafkaSettings) -> KafkaProducer:
    """A real producer that gives up on an absent broker within a second."""
    return KafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        bootstrap_timeout_ms=500,
        max_block_ms=1000,
    )


@pytest.fixture
def broker_down(database: Database, clock: ControlledClock) -> Iterator[Backbone]:
    env = {**kafka_env(_unreachable_kafka()), "VATRA_LOG_LEVEL": "CRITICAL"}
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        yield built


def _lag() -> float | None:
    return REGISTRY.get_sample_value("vatra_relay_lag_events")


def test_the_lag_metric_grows_with_the_store_while_the_broker_is_down(
    broker_down: Backbone, clock: ControlledClock
) -> None:
    for region in ("vlora", "berat", "durres"):
        identify(broker_down.service, clock, region=region)
    relay = Relay(
        broker_down.app,
        broker_down.pool,
        broker_down.kafka,
        producer_factory=_impatient_producer,
    )
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: _lag() == 3, 30, "the lag to show the 3 waiting events")
        identify(broker_down.service, clock, region="lezhe")
        wait_for(lambda: _lag() == 4, 30, "the lag to grow with the store")
        assert relay.published == 0
    finally:
        relay.stop()
        thread.join(timeout=60)
    assert REGISTRY.get_sample_value("vatra_relay_position") == 0
