"""Helpers for tests against the real Kafka broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from schemas.mapping import DecodedEvent, decode_event
from services.kafka.relay import Relay
from services.store.database import Database
from tests.keys import KEYS_ENV

ROOT = Path(__file__).resolve().parents[2]


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
        **KEYS_ENV,
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


def subprocess_env(
    env: dict[str, str], database: Database, **extra: str
) -> dict[str, str]:
    return {
        **os.environ,
        **env,
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": str(database.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_DBNAME": database.dbname,
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def vatra(command: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def end(process: subprocess.Popen[bytes], sig: signal.Signals) -> str:
    process.send_signal(sig)
    _out, err = process.communicate(timeout=60)
    return err.decode(errors="replace")


def publish_all(relay: Relay) -> int:
    """Run ``relay`` until the log is on Kafka; how many events it published."""
    relay.start()
    try:
        while relay.publish_once():
            pass
    finally:
        relay.close()
    return relay.published
