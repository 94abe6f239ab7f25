"""The access log reaches its Kafka topic in order, once, without personal data."""

from __future__ import annotations

import json
import threading
import uuid

import psycopg
import pytest
from kafka import KafkaProducer

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone
from services.config.settings import KafkaSettings, load_settings
from services.kafka.access_publisher import AccessLogPublisher, access_producer
from services.kafka.topics import ensure_topics
from services.store.access_log import AccessLog
from tests.integration.kafka_helpers import kafka_env, read_topic

CASE = "6f1c1b0e-2f3a-4c55-9d7e-1a2b3c4d5e6f"


@pytest.fixture
def kafka(kafka_servers: str) -> KafkaSettings:
    settings = load_settings(kafka_env(kafka_servers)).kafka
    assert settings is not None
    ensure_topics(settings)
    return settings


def _read(log: AccessLog, who: str, allowed: bool = True) -> None:
    log.record(
        actor_id=who,
        actor_role="caseworker",
        view="timeline",
        case_id=CASE,
        subject_ref="PV-SECRET-1",
        allowed=allowed,
    )


def test_every_read_is_published_once_in_order_and_without_the_subject(
    backbone: Backbone, clock: ControlledClock, kafka: KafkaSettings
) -> None:
    log = AccessLog(backbone.pool, clock)
    log.create_table()
    for n in range(5):
        _read(log, f"cw-{n}", allowed=n != 3)
    publisher = AccessLogPublisher(backbone.pool, kafka)
    try:
        assert publisher.publish_once() == 5
        assert publisher.publish_once() == 0
    finally:
        publisher.close()

    # A restarted publisher goes on from its stored position.
    _read(log, "cw-5")
    restarted = AccessLogPublisher(backbone.pool, kafka)
    try:
        assert restarted.publish_once() == 1
    finally:
        restarted.close()

    records = read_topic(kafka.bootstrap_servers, kafka.access_log_topic, expect=6)
    assert len(records) == 6
    assert {r.key for r in records} == {CASE.encode()}
    messages = [json.loads(r.value) for r in records]
    assert [m["actor_id"] for m in messages] == [f"cw-{n}" for n in range(6)]
    assert [m["allowed"] for m in messages] == [True, True, True, False, True, True]
    assert messages[0]["schema"] == "vatra.access-log/1"
    assert set(messages[0]) == {
        "schema",
        "position",
        "access_id",
        "occurred_at",
        "actor_id",
        "actor_role",
        "view",
        "case_id",
        "allowed",
        "correlation_id",
        "reason",
    }
    for record in records:
        assert b"PV-SECRET" not in record.value


INSERT = """
INSERT INTO access_log (
    access_id, occurred_at, actor_id, actor_role, view, case_id, allowed,
    correlation_id
) VALUES (%s, now(), %s, 'caseworker', 'timeline', %s, true, 'c')
"""


def test_a_read_committed_late_is_published_in_its_place_and_a_gap_is_stepped_over(
    backbone: Backbone, clock: ControlledClock, kafka: KafkaSettings
) -> None:
    log = AccessLog(backbone.pool, clock)
    log.create_table()
    patient = AccessLogPublisher(backbone.pool, kafka, gap_grace=3600)
    _read(log, "before")
    with psycopg.connect(backbone.database.conninfo()) as slow:
        # A read whose insert takes its id now but commits after a later one.
        slow.execute(INSERT, (uuid.uuid4(), "in-flight", CASE))
        _read(log, "after")
        try:
            assert patient.publish_once() == 1  # "before"; "after" waits
            assert patient.publish_once() == 0
            slow.commit()
            assert patient.publish_once() == 2  # "in-flight", then "after"
        finally:
            patient.close()
        # An insert that rolls back leaves its id unused for ever.
        slow.execute(INSERT, (uuid.uuid4(), "rolled-back", CASE))
        slow.rollback()
    _read(log, "last")
    try:
        assert patient.publish_once() == 0  # the gap might still fill
    finally:
        patient.close()
    settled = AccessLogPublisher(backbone.pool, kafka, gap_grace=0)
    try:
        assert settled.publish_once() == 1  # it stayed empty: step over it
    finally:
        settled.close()
    # One case, one partition: the topic's order is the order of publishing.
    records = read_topic(kafka.bootstrap_servers, kafka.access_log_topic, expect=4)
    assert [json.loads(r.value)["actor_id"] for r in records] == [
        "before",
        "in-flight",
        "after",
        "last",
    ]


def test_an_error_of_the_publisher_is_retried_not_the_end_of_the_relays_process(
    backbone: Backbone, clock: ControlledClock, kafka: KafkaSettings
) -> None:
    # It runs in the relay's process: a failure of its own (here its producer
    # failing to be made once) must not end it, and so the relay with it.
    log = AccessLog(backbone.pool, clock)
    log.create_table()
    _read(log, "cw-retried")
    made: list[str] = []

    def failing_once(settings: KafkaSettings) -> KafkaProducer:
        made.append("attempt")
        if len(made) == 1:
            raise RuntimeError("the producer could not be made")
        return access_producer(settings)

    publisher = AccessLogPublisher(
        backbone.pool, kafka, interval=0.05, producer_factory=failing_once
    )
    thread = threading.Thread(target=publisher.run)
    thread.start()
    try:
        records = read_topic(kafka.bootstrap_servers, kafka.access_log_topic, 1)
    finally:
        publisher.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert [json.loads(r.value)["actor_id"] for r in records] == ["cw-retried"]
    assert len(made) == 2
