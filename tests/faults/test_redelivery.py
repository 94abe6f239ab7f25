"""Duplicate and out-of-order deliveries: the read models still equal a rebuild.

What holds, precisely:

- The case timeline and the SOP obligations depend only on the set of events
  delivered, not on their order or on duplicates: once every event has
  arrived they equal a rebuild from the event store, even when a case's own
  events arrive out of order (a correction before the entry it corrects
  waits for that entry).
- The alert intake needs each case's events in order, as Kafka delivers
  them (the key is the case id, so a case lives on one partition, and the
  relay publishes in store order): it tolerates duplicates and any
  interleaving of cases; an event older than the newest one it applied for
  its case is taken for a redelivery and ignored.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka import KafkaProducer
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.clock import ControlledClock
from domain.events import CaseEvent
from handlers.directory import load_directory
from handlers.intake import NotificationIntake
from projections.feed import Delivered, Projection
from projections.obligations import ObligationsProjection
from projections.timeline import TimelineProjection
from schemas.mapping import encode_event, kafka_key
from services.audit.rebuild import checksums
from services.config.bootstrap import Backbone
from services.config.settings import load_settings
from services.kafka.consumer import KafkaRunner
from services.kafka.topics import ensure_topics
from services.store.database import Database
from services.workers.follower import LogFollower
from tests.faults.conftest import directory_text
from tests.faults.fault_history import record_varied_history
from tests.faults.fault_report import ReliabilityReport, Row
from tests.faults.fault_stack import LEDGER_FIELDS, READ_MODEL_TABLES
from tests.integration.kafka_helpers import kafka_env, wait_for

SEED = 20260306


@pytest.fixture
def history(backbone: Backbone, clock: ControlledClock) -> list[Delivered]:
    """A varied history, recorded and projected from the log (the rebuild)."""
    record_varied_history(backbone.service, clock, seed=SEED, cases=12)
    backbone.follower.catch_up()
    return _delivered(backbone)


def _delivered(backbone: Backbone) -> list[Delivered]:
    app = backbone.app
    found = []
    for notification in app.recorder.select_notifications(start=1, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        assert isinstance(event, CaseEvent)
        found.append(Delivered(notification.id, event))
    return found


@pytest.fixture
def second_pool(reference_database: Database) -> Iterator[ConnectionPool]:
    pool = reference_database.pool("redelivered")
    try:
        yield pool
    finally:
        pool.close()


def _differing(a: ConnectionPool, b: ConnectionPool) -> list[str]:
    with a.connection() as conn:
        left = checksums(conn, READ_MODEL_TABLES)
    with b.connection() as conn:
        right = checksums(conn, READ_MODEL_TABLES)
    return [x.table for x, y in zip(left, right, strict=True) if x != y]


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_read_models_fed_duplicated_and_shuffled_events_equal_the_rebuild(
    backbone: Backbone,
    history: list[Delivered],
    second_pool: ConnectionPool,
    data: st.DataObject,
) -> None:
    projections: list[Projection] = [
        TimelineProjection(),
        ObligationsProjection(backbone.rulebook, backbone.calendar),
    ]
    with second_pool.connection() as conn:
        for projection in projections:
            projection.create(conn)
        conn.execute("TRUNCATE " + ", ".join(READ_MODEL_TABLES))
    extra = data.draw(
        st.lists(st.sampled_from(history), max_size=len(history)), label="redelivered"
    )
    stream = data.draw(st.permutations(history + extra), label="order")
    size = data.draw(st.integers(1, 12), label="batch size")
    for start in range(0, len(stream), size):
        batch = stream[start : start + size]
        with second_pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            for projection in projections:
                projection.apply(cur, batch)
    assert _differing(backbone.pool, second_pool) == []


def _produce(servers: str, topic: str, stream: list[Delivered]) -> None:
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5)
    try:
        for item in stream:
            producer.send(
                topic,
                key=kafka_key(item.event),
                value=encode_event(item.event, item.position),
            )
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)


def _ledger(pool: ConnectionPool) -> dict[Any, tuple[Any, ...]]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("SELECT * FROM notification_deliveries").fetchall()
    return {r["delivery_id"]: tuple(r[f] for f in LEDGER_FIELDS) for r in rows}


def _interleaved(history: list[Delivered], rng: random.Random) -> list[Delivered]:
    """Cases interleaved at random, each case's events in order, each event
    delivered one to three times (a redelivery anywhere after the first)."""
    by_case: dict[Any, list[Delivered]] = {}
    for item in history:
        by_case.setdefault(item.event.originator_id, []).append(item)
    queues = [list(items) for items in by_case.values()]
    stream: list[Delivered] = []
    while queues:
        queue = rng.choice(queues)
        stream.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    for item in list(stream):
        for _copy in range(rng.randrange(3)):
            first = stream.index(item)
            stream.insert(rng.randrange(first + 1, len(stream) + 1), item)
    return stream


@pytest.mark.parametrize("case_order", ["kept", "violated"])
def test_a_kafka_runner_fed_duplicates_out_of_order_ends_equal_to_the_rebuild(
    case_order: str,
    backbone: Backbone,
    clock: ControlledClock,
    history: list[Delivered],
    second_pool: ConnectionPool,
    kafka_servers: str,
    tmp_path: Path,
    reliability: ReliabilityReport,
) -> None:
    rng = random.Random(SEED)
    if case_order == "kept":
        stream = _interleaved(history, rng)
    else:
        stream = history + [rng.choice(history) for _ in range(len(history))]
        rng.shuffle(stream)
    directory = tmp_path / "directory.toml"
    directory.write_text(directory_text(), encoding="utf-8")
    env = {**kafka_env(kafka_servers), "VATRA_LOG_LEVEL": "WARNING"}
    kafka = load_settings(env).kafka
    assert kafka is not None
    ensure_topics(kafka)
    _produce(kafka_servers, kafka.events_topic, stream)

    def projections() -> list[Projection]:
        return [
            TimelineProjection(),
            ObligationsProjection(backbone.rulebook, backbone.calendar),
            NotificationIntake(
                load_directory(directory),
                backbone.rulebook,
                clock,
                calendar=backbone.calendar,
            ),
        ]

    runner = KafkaRunner(
        second_pool,
        projections(),
        kafka,
        group=f"redelivery-{uuid.uuid4().hex[:8]}",
        max_records=7,
        retry_pause=0.01,
    )
    runner.start()
    try:
        wait_for(
            lambda: (
                runner.poll_once() >= 0
                and runner.applied + runner.dead_lettered >= len(stream)
            ),
            120,
            "every delivery to be handled",
        )
    finally:
        runner.close()
    # The alert intake fed from the log, into the store's own database.
    intake = LogFollower(backbone.app, backbone.pool, projections()[2:])
    intake.create_tables()
    intake.catch_up()
    reference = _ledger(backbone.pool)
    differing = _differing(backbone.pool, second_pool)
    ledger = _ledger(second_pool)
    missing = len(set(reference) - set(ledger))
    unexpected = len(set(ledger) - set(reference))
    kept = case_order == "kept"
    reliability.add(
        Row(
            scenario="Kafka redelivery: duplicates, cases interleaved, per-case order "
            + case_order,
            faults=f"{len(stream) - len(history)} duplicate deliveries among "
            f"{len(stream)}, seeded shuffle",
            events=len(history),
            lost=len(differing) + runner.dead_lettered,
            duplicates=0,
            alerts_duplicated=unexpected if kept else None,
            alerts_missing=missing if kept else None,
            recovery="n/a",
            notes=(
                "read models equal the rebuild"
                if not differing
                else f"DIFFERENT: {differing}"
            )
            + (
                ""
                if kept
                else "; alerts n/a: the intake needs each case's events in order, "
                f"as Kafka delivers them ({missing + unexpected} of "
                f"{len(reference)} intents differ when that is broken)"
            ),
        )
    )
    assert runner.dead_lettered == 0
    assert differing == []
    if kept:
        assert ledger == reference
