"""The local Kafka the other integration tests stand on: real JVMs, no fakes.

If Kafka cannot be fetched or started these tests fail with the broker's log
tail; they never skip.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from devtools.kafka.cluster import LocalKafkaCluster
from devtools.kafka.jars import LocalKafkaError
from devtools.kafka.process import STATE_FILE, LocalKafka

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES = [f"case-{n}" for n in range(10)]


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[LocalKafka]:
    broker = LocalKafka(tmp_path / "kafka")
    broker.start(timeout=60)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalKafkaCluster]:
    nodes = LocalKafkaCluster(tmp_path / "cluster")
    nodes.start(timeout=90)
    try:
        yield nodes
    finally:
        nodes.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_topic(bootstrap: str, topic: str, replicas: int, **configs: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics(
            {
                topic: {
                    "num_partitions": 3,
                    "replication_factor": replicas,
                    "configs": configs,
                }
            },
            wait_for_metadata=True,
        )
    finally:
        admin.close()


def describe_partitions(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        (description,) = admin.describe_topics([topic])
    finally:
        admin.close()
    partitions: list[dict[str, Any]] = description["partitions"]
    return partitions


def produce(bootstrap: str, topic: str, numbers: range) -> None:
    """Send value n under key case-(n % 10) with acks=all; fail on any error."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        futures = [
            producer.send(topic, key=CASES[n % 10].encode(), value=str(n).encode())
            for n in numbers
        ]
        producer.flush(timeout=45)
        for future in futures:
            future.get(timeout=1)
    finally:
        producer.close()


def consume(
    bootstrap: str, topic: str, group: str, count: int
) -> list[tuple[str, int]]:
    """Read ``count`` records as (key, number) in arrival order, then commit."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    received: list[tuple[str, int]] = []
    try:
        deadline = time.monotonic() + 45
        while len(received) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                received += [(r.key.decode(), int(r.value)) for r in records]
        consumer.commit()
    finally:
        consumer.close()
    return received


def by_key(received: list[tuple[str, int]]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for key, number in received:
        grouped.setdefault(key, []).append(number)
    return grouped


def expected_by_key(numbers: range) -> dict[str, list[int]]:
    return by_key([(CASES[n % 10], n) for n in numbers])


def test_single_broker_delivers_acks_all_messages_in_order_per_key(
    kafka: LocalKafka,
) -> None:
    topic = unique("vatra-single")
    create_topic(kafka.bootstrap_servers, topic, replicas=1)

    produce(kafka.bootstrap_servers, topic, range(100))
    received = consume(kafka.bootstrap_servers, topic, unique("group"), 100)

    assert len(received) == 100
    assert by_key(received) == expected_by_key(range(100))


def test_single_broker_keeps_topics_and_messages_across_restart(
    kafka: LocalKafka,
) -> None:
    topic = unique("vatra-restart")
    create_topic(kafka.bootstrap_servers, topic, replicas=1)
    produce(kafka.bootstrap_servers, topic, range(20))
    address_before = kafka.bootstrap_servers

    kafka.restart()

    assert kafka.bootstrap_servers == address_before
    received = consume(kafka.bootstrap_servers, topic, unique("group"), 20)
    assert by_key(received) == expected_by_key(range(20))


def test_killed_broker_is_gone_and_restarts_on_the_same_storage(
    kafka: LocalKafka,
) -> None:
    pid = kafka.pid
    assert pid is not None

    kafka.kill()

    assert not kafka.is_running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    kafka.start()
    assert kafka.is_running
    assert kafka.pid != pid


def test_start_fails_loudly_with_the_broker_log_when_the_port_is_taken(
    tmp_path: Path,
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken_port = squatter.getsockname()[1]
        broker = LocalKafka(tmp_path / "kafka", port=taken_port)

        with pytest.raises(LocalKafkaError, match="exited") as failure:
            broker.start(timeout=60)

    assert "Address already in use" in str(failure.value)
    assert not broker.is_running


def test_cli_starts_a_detached_broker_and_another_process_stops_it(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "kafka"
    cli = [sys.executable, "-m", "devtools.kafka"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args, "--data-dir", str(data_dir)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    try:
        started = run("start")
        assert started.returncode == 0, started.stderr
        bootstrap = started.stdout.strip()
        assert bootstrap.startswith("127.0.0.1:")
        topic = unique("vatra-cli")
        create_topic(bootstrap, topic, replicas=1)
        assert run("status").returncode == 0

        stopped = run("stop")

        assert stopped.returncode == 0, stopped.stderr
        assert run("status").returncode == 3
    finally:
        leftover = LocalKafka(data_dir).pid  # never leak a detached JVM
        if leftover is not None:
            os.kill(leftover, signal.SIGKILL)
    assert (data_dir / STATE_FILE).is_file()


def test_cluster_keeps_accepting_acks_all_writes_with_one_node_down(
    cluster: LocalKafkaCluster,
) -> None:
    bootstrap = cluster.bootstrap_servers
    topic, group = unique("vatra-cluster"), unique("group")
    create_topic(bootstrap, topic, replicas=3, **{"min.insync.replicas": "2"})
    partitions = describe_partitions(bootstrap, topic)
    assert all(len(p["replica_nodes"]) == 3 for p in partitions)
    # The group commits once with all three nodes up, which also creates
    # __consumer_offsets (replication factor 3 needs three live brokers).
    produce(bootstrap, topic, range(50))
    first = consume(bootstrap, topic, group, 50)
    leader = next(p["leader_id"] for p in partitions if p["partition_index"] == 0)
    victim = int(leader) - 1

    cluster.kill_node(victim)
    produce(bootstrap, topic, range(50, 100))
    rest = consume(bootstrap, topic, group, 50)

    assert len(first) + len(rest) == 100
    assert by_key(first + rest) == expected_by_key(range(100))

    cluster.start_node(victim)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        isr = [set(p["isr_nodes"]) for p in describe_partitions(bootstrap, topic)]
        if all(len(nodes) == 3 for nodes in isr):
            break
        time.sleep(0.5)
    assert all(len(nodes) == 3 for nodes in isr), isr
