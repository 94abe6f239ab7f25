"""Kafka brokers that crash and return under load: producers and consumers carry on.

Two shapes, each with every worker running as a real process (relay,
projector, notifier, SOP clock) and a thread recording case work:

- the single broker of the development set-up, killed (SIGKILL) and
  restarted, then stopped cleanly and restarted, mid-load;
- a three-broker KRaft cluster with replication factor 3 and
  ``min.insync.replicas`` 2 (the production settings; the relay writes with
  ``acks=all``): one broker is killed, work recorded while it is down must
  flow through to the read models and the alerts without it, then it comes
  back and the rest flows on.

Afterwards nothing may be lost or duplicated anywhere (see ``fault_stack``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.errors import KafkaError

from devtools.kafka.cluster import LocalKafkaCluster
from devtools.kafka.jars import fetch_jars
from devtools.kafka.process import LocalKafka
from services.config.settings import KafkaSettings
from services.kafka.topics import ensure_topics
from services.store.database import Database
from tests.faults.conftest import StackFactory
from tests.faults.fault_load import Load
from tests.faults.fault_processes import sleep_watching
from tests.faults.fault_report import ReliabilityReport, Row, seconds

SEED = 20260303


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of this test's own, since the test kills it."""
    fetch_jars()
    broker = LocalKafka(tmp_path / "kafka")
    broker.start(timeout=120)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalKafkaCluster]:
    fetch_jars()
    nodes = LocalKafkaCluster(tmp_path / "cluster")
    nodes.start(timeout=180)
    try:
        yield nodes
    finally:
        nodes.stop()


def _create_topics(kafka: KafkaSettings) -> None:
    """As an operator does (``vatra topics``) before starting the workers; a
    cluster just formed may take a moment to accept replication factor 3."""
    for _attempt in range(30):
        try:
            ensure_topics(kafka)
            return
        except KafkaError:
            time.sleep(1)
    ensure_topics(kafka)


def test_a_single_broker_restarted_mid_load_loses_and_repeats_nothing(
    open_stack: StackFactory,
    database: Database,
    own_broker: LocalKafka,
    reliability: ReliabilityReport,
) -> None:
    rng = random.Random(SEED)
    resumed: list[float] = []
    with open_stack(database, own_broker.bootstrap_servers) as stack:
        workers = stack.workers()
        workers.start()
        workers.wait_live()
        load = Load(stack.backbone.service, seed=SEED, rate=6.0, duration=120.0)
        load.start()
        try:
            for crash in (True, False):
                sleep_watching(workers, rng.uniform(4.0, 8.0))
                if crash:
                    own_broker.kill()
                else:
                    own_broker.stop()
                # Field work goes on while the broker is away.
                sleep_watching(workers, rng.uniform(3.0, 6.0))
                own_broker.start(timeout=120)
                head = stack.head()
                resumed.append(stack.wait_resumed(workers, head))
            last_fault = time.monotonic()
            sleep_watching(workers, 3.0)
            load.stop()
            stats = load.join()
            stack.wait_until_settled(workers)
            settled = time.monotonic() - last_fault
        finally:
            codes = workers.stop()
        outcome = stack.outcome()
    reliability.add(
        Row(
            scenario="Single Kafka broker restarted mid-load",
            faults="broker SIGKILLed and restarted, then stopped and restarted "
            "(down 3-6 s each)",
            events=outcome.events,
            lost=outcome.lost,
            duplicates=outcome.duplicates,
            alerts_duplicated=outcome.alerts_duplicated,
            alerts_missing=outcome.alerts_lost,
            recovery=f"{seconds(max(resumed))} to resume after the broker returned",
            notes=outcome.notes([f"settled {seconds(settled)} after the last fault"]),
        )
    )
    assert stats.errors == []
    assert codes == dict.fromkeys(workers.names, 0), "a worker did not stop cleanly"
    workers.check_no_unexpected_exits()
    outcome.assert_nothing_lost_or_duplicated(notifier_kills=0)
    assert outcome.alerts_expected > 0
    assert stats.identified >= 10


def test_one_of_three_brokers_killed_under_load_stops_nothing_and_loses_nothing(
    open_stack: StackFactory,
    database: Database,
    cluster: LocalKafkaCluster,
    reliability: ReliabilityReport,
) -> None:
    rng = random.Random(SEED + 1)
    victim = rng.randrange(LocalKafkaCluster.SIZE)
    replicated = {
        "VATRA_KAFKA_REPLICATION_FACTOR": "3",
        "VATRA_KAFKA_MIN_INSYNC_REPLICAS": "2",
    }
    with open_stack(database, cluster.bootstrap_servers, **replicated) as stack:
        _create_topics(stack.backbone.kafka)
        workers = stack.workers()
        workers.start()
        workers.wait_live()
        load = Load(stack.backbone.service, seed=SEED + 1, rate=5.0, duration=120.0)
        load.start()
        try:
            sleep_watching(workers, rng.uniform(4.0, 8.0))
            cluster.kill_node(victim)
            killed = time.monotonic()
            # With one broker down, work recorded after the kill still flows
            # through relay and projector: two in-sync replicas remain.
            sleep_watching(workers, 4.0)
            while_down = stack.wait_resumed(workers, stack.head())
            down_for = time.monotonic() - killed
            cluster.start_node(victim, timeout=120)
            last_fault = time.monotonic()
            sleep_watching(workers, rng.uniform(3.0, 6.0))
            load.stop()
            stats = load.join()
            stack.wait_until_settled(workers)
            settled = time.monotonic() - last_fault
        finally:
            codes = workers.stop()
        outcome = stack.outcome()
    reliability.add(
        Row(
            scenario="One of three Kafka brokers killed under load "
            "(replication 3, min.insync.replicas 2, acks=all)",
            faults=f"broker {victim + 1} SIGKILLed, down {seconds(down_for)}, "
            "then restarted",
            events=outcome.events,
            lost=outcome.lost,
            duplicates=outcome.duplicates,
            alerts_duplicated=outcome.alerts_duplicated,
            alerts_missing=outcome.alerts_lost,
            recovery=f"{seconds(while_down)} for work recorded while it was down "
            "(without it)",
            notes=outcome.notes([f"settled {seconds(settled)} after it returned"]),
        )
    )
    assert stats.errors == []
    assert codes == dict.fromkeys(workers.names, 0), "a worker did not stop cleanly"
    workers.check_no_unexpected_exits()
    outcome.assert_nothing_lost_or_duplicated(notifier_kills=0)
    assert outcome.alerts_expected > 0
