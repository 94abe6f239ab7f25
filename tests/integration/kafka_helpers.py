"""Helpers for tests against the real Kafka broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from schemas.mapping import DecodedEvent, decode_event


def kafka_env(servers: str) -> dict[str, str]:
    """Settings for a test of its own: unique topics and consumer group."""
    tag = uuid.uuid4().hex[:10]
    return {
        "KAFKA_BOOTSTRAP_SERVERS": servers,
        "VATRA_KAFKA_EVENTS_TOPIC": f"test-{tag}.case-events",
        "VATRA_KAFKA_DEAD_LETTER_TOPIC": f"test-{tag}.case-events.dlq",
        "VATRA_KAFKA_ACCESS_LOG_TOPIC": f"test-{tag}.access-log",
        "VATRA_KAFKA_PROJECTOR_GROUP": f"test-{tag}-projector",
        "VATRA_KAFKA_PARTITIONS": "6",
        "VATRA_LOG_LEVEL": "WARNING",
    }


def read_topic(servers: str, topic: str, expect: int, timeout: float = 30) -> list[Any]:
    """Every record of ``topic`` from the start, waiting until ``expect`` are there."""
    consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p)
            for p in sorted(consumer.partitions_for_topic(topic))
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            if len(records) >= expect:
                # One more poll: anything beyond ``expect`` is a duplicate to see.
                for batch in consumer.poll(timeout_ms=1000).values():
                    records.extend(batch)
                break
        return records
    finally:
        consumer.close()


def decoded(records: list[Any]) -> list[tuple[int, DecodedEvent]]:
    return [(r.partition, decode_event(r.value)) for r in records]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
