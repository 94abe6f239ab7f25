"""The Kafka backbone against a real broker: relay, consumer runner, dead letters."""

from __future__ import annotations

import io
import os
import signal
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kafka import KafkaProducer
from psycopg import Cursor
from psycopg_pool import ConnectionPool

from domain.clock import ControlledClock
from projections.feed import Delivered
from projections.obligations import ObligationsProjection
from projections.timeline import TimelineProjection
from schemas.mapping import kafka_headers
from services.cli.demo import record_scenario
from services.cli.dlq import dlq_command
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import KafkaSettings, load_settings
from services.kafka.consumer import KafkaRunner
from services.store.database import Database
from tests.builders import identify, step
from tests.integration.kafka_helpers import (
    decoded,
    end,
    kafka_env,
    publish_all,
    read_topic,
    subprocess_env,
    vatra,
    wait_for,
)

READ_MODELS = {
    "case_timeline": "case_id, version",
    "sop_case_facts": "case_id, version",
    "sop_obligations": "case_id, obligation_id",
}


@pytest.fixture
def env(kafka_servers: str) -> dict[str, str]:
    return kafka_env(kafka_servers)


@pytest.fixture
def full(
    database: Database, clock: ControlledClock, env: dict[str, str]
) -> Iterator[Backbone]:
    with open_backbone(load_settings(env), clock=clock, database=database) as built:
        yield built


@pytest.fixture
def second_database(postgres_server: Database) -> Iterator[Database]:
    """Where read models built through Kafka go, to compare with the log-built ones."""
    db = postgres_server.with_name(f"k_{os.urandom(8).hex()}").create()
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture
def second_pool(second_database: Database) -> Iterator[ConnectionPool]:
    pool = second_database.pool("kafka-read-models")
    try:
        yield pool
    finally:
        pool.close()


def _record_many(full: Backbone, clock: ControlledClock, cases: int) -> int:
    """Identify ``cases`` people and take each a few steps; return the events."""
    for n in range(cases):
        case = identify(full.service, clock, is_minor=n % 3 == 0, region="durres")
        case = step(
            full.service,
            clock,
            case,
            "assess_risk",
            timedelta(minutes=1),
            level="medium",
        )
        step(
            full.service,
            clock,
            case,
            "record_consent",
            timedelta(minutes=1),
            scope="services",
            given_by="guardian" if n % 3 == 0 else "subject",
        )
    return cases * 3


def _publish_all(full: Backbone, batch_size: int | None = None) -> int:
    relay = full.relay()
    relay.batch_size = batch_size or relay.batch_size
    return publish_all(relay)


def _rows(pool: ConnectionPool, table: str) -> list[tuple[Any, ...]]:
    with pool.connection() as conn:
        return conn.execute(
            f"SELECT * FROM {table} ORDER BY {READ_MODELS[table]}"
        ).fetchall()


def _stored_keys(full: Backbone) -> list[tuple[str, int]]:
    notifications = full.app.recorder.select_notifications(start=1, limit=1_000_000)
    return [(str(n.originator_id), n.originator_version) for n in notifications]


def test_every_recorded_event_is_on_kafka_once_and_in_case_order(
    full: Backbone, clock: ControlledClock, env: dict[str, str]
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    record_scenario(full.service, clock, now)
    stored = _stored_keys(full)
    assert _publish_all(full) == len(stored)
    records = read_topic(
        env["KAFKA_BOOTSTRAP_SERVERS"], full.kafka.events_topic, len(stored)
    )
    events = decoded(records)
    keys = [(str(e.case_id), e.aggregate_version) for _p, e in events]
    assert sorted(keys) == sorted(stored)
    assert len(keys) == len(set(keys)), "an event was published twice"
    by_case: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (partition, event), record in zip(events, records, strict=True):
        by_case[str(event.case_id)].append((partition, event.aggregate_version))
        assert record.key == str(event.case_id).encode()
        headers = dict(record.headers)
        assert headers["type"] == event.type.encode()
        assert headers["correlation_id"] == event.correlation_id.encode()
    for case_id, seen in by_case.items():
        assert len({p for p, _v in seen}) == 1, f"case {case_id} spread over partitions"
        assert [v for _p, v in seen] == list(range(1, len(seen) + 1))
    # A second relay run finds nothing new to send.
    assert _publish_all(full) == 0


def test_read_models_built_through_kafka_equal_those_built_from_the_log(
    full: Backbone, clock: ControlledClock, second_pool: ConnectionPool
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    total = record_scenario(full.service, clock, now)
    _publish_all(full)
    full.follower.catch_up()
    runner = KafkaRunner(
        second_pool,
        [TimelineProjection(), ObligationsProjection(full.rulebook, full.calendar)],
        full.kafka,
        group=full.kafka.projector_group,
        max_records=7,
    )
    runner.start()
    try:
        wait_for(
            lambda: runner.poll_once() >= 0 and runner.applied >= total,
            60,
            "the projector to apply every event",
        )
    finally:
        runner.close()
    for table in READ_MODELS:
        assert _rows(second_pool, table) == _rows(full.pool, table), table


def test_a_poison_message_is_dead_lettered_and_the_rest_flow_on(
    full: Backbone,
    clock: ControlledClock,
    second_pool: ConnectionPool,
    env: dict[str, str],
) -> None:
    servers = env["KAFKA_BOOTSTRAP_SERVERS"]
    first = identify(full.service, clock)
    _publish_all(full)
    producer = KafkaProducer(bootstrap_servers=servers, acks="all")
    producer.send(
        full.kafka.events_topic,
        key=first["case_id"].encode(),
        value=b"\xc3\x01 not an envelope at all",
    ).get(timeout=30)
    producer.close()
    second = identify(full.service, clock, region="berat")
    _publish_all(full)

    class FailsForOneCase(TimelineProjection):
        """A projection that cannot process the second case (a bug, say)."""

        def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
            if any(str(d.event.originator_id) == second["case_id"] for d in batch):
                raise ValueError("cannot process this event")
            super().apply(cur, batch)

    third = identify(full.service, clock, region="lezhe")
    _publish_all(full)
    runner = KafkaRunner(
        second_pool,
        [FailsForOneCase()],
        full.kafka,
        group=full.kafka.projector_group,
        retry_pause=0.01,
    )
    runner.start()
    try:
        wait_for(
            lambda: runner.poll_once() >= 0 and runner.applied >= 2,
            60,
            "the good events to be applied",
        )
    finally:
        runner.close()
    cases = {str(row[0]) for row in _rows(second_pool, "case_timeline")}
    assert cases == {first["case_id"], third["case_id"]}
    dead = read_topic(servers, full.kafka.dead_letter_topic, 2)
    reasons = sorted(dict(r.headers)["error_reason"] for r in dead)
    assert reasons == [b"processing_failed", b"undecodable"]
    undecodable = next(
        r for r in dead if dict(r.headers)["error_reason"] == b"undecodable"
    )
    assert undecodable.value == b"\xc3\x01 not an envelope at all"
    assert (
        dict(undecodable.headers)["original_topic"] == full.kafka.events_topic.encode()
    )
    assert runner.dead_lettered == 2
    failed = next(
        r for r in dead if dict(r.headers)["error_reason"] == b"processing_failed"
    )
    headers = dict(failed.headers)
    # The original routing headers travel with the dead letter, beside the error.
    second_event = full.service.app.case_events(second["case_id"])[0]
    assert headers["type"] == b"Identified"
    assert headers["correlation_id"] == second_event.correlation_id.encode()
    assert headers["fingerprint"] == kafka_headers(second_event)[1][1]
    assert headers["error_type"] == b"ValueError"
    assert headers["error_message"] == b"cannot process this event"

    # vatra dlq reads the topic; a retry (the fixed projections) applies the
    # event and the dead letter is no longer listed.
    listing = io.StringIO()
    assert dlq_command(full, "list", out=listing) == 0
    assert "processing_failed" not in listing.getvalue()
    [line] = [row for row in listing.getvalue().splitlines() if "Identified" in row]
    assert second["case_id"] in line
    letter_id = f"{failed.partition}:{failed.offset}"
    assert line.split()[0] == letter_id
    assert dlq_command(full, "retry", letter_id, out=io.StringIO()) == 0
    with full.pool.connection() as conn:
        retried = conn.execute("SELECT DISTINCT case_id FROM case_timeline").fetchall()
    assert {str(row[0]) for row in retried} == {second["case_id"]}
    listing = io.StringIO()
    dlq_command(full, "list", out=listing)
    assert second["case_id"] not in listing.getvalue()


def test_a_relay_with_a_backlog_sends_batches_ahead_and_confirms_them_all(
    full: Backbone, clock: ControlledClock, env: dict[str, str]
) -> None:
    # Batches of 7: each full batch is sent before the one before it is
    # confirmed; the position ends at the last event, each sent once.
    _record_many(full, clock, 10)
    stored = _stored_keys(full)
    assert _publish_all(full, batch_size=7) == len(stored)
    records = read_topic(
        env["KAFKA_BOOTSTRAP_SERVERS"], full.kafka.events_topic, len(stored)
    )
    keys = [(str(e.case_id), e.aggregate_version) for _p, e in decoded(records)]
    assert sorted(keys) == sorted(stored)
    assert len(keys) == len(set(keys)), "an event was published twice"
    relay = full.relay()
    assert relay.position() == full.app.recorder.max_notification_id()
    assert relay.lag() == 0


def test_a_relay_killed_mid_stream_loses_nothing_and_duplicates_nothing(
    full: Backbone, clock: ControlledClock, env: dict[str, str], database: Database
) -> None:
    _record_many(full, clock, 150)
    run_env = subprocess_env(env, database, VATRA_RELAY_BATCH_SIZE="25")
    relay = vatra("relay", run_env)
    name = f"relay:{full.kafka.events_topic}"

    def position() -> int:
        with full.pool.connection() as conn:
            row = conn.execute(
                "SELECT position FROM vatra_positions WHERE consumer = %s", (name,)
            ).fetchone()
        return int(row[0]) if row else 0

    wait_for(lambda: position() > 0, 60, "the relay to publish a first batch")
    # Record more while it runs, then kill it without warning.
    _record_many(full, clock, 20)
    relay.send_signal(signal.SIGKILL)
    relay.wait(timeout=30)
    killed_at = position()
    total = len(_stored_keys(full))
    assert killed_at < total, "the relay finished before it could be killed"
    relay = vatra("relay", run_env)
    try:
        wait_for(lambda: position() == total, 120, "the restarted relay to catch up")
    finally:
        err = end(relay, signal.SIGTERM)
    assert relay.returncode == 0, err
    records = read_topic(env["KAFKA_BOOTSTRAP_SERVERS"], full.kafka.events_topic, total)
    keys = [(str(e.case_id), e.aggregate_version) for _p, e in decoded(records)]
    assert sorted(keys) == sorted(_stored_keys(full))
    assert len(keys) == len(set(keys)), "the restarted relay re-sent events"


def test_a_projector_killed_mid_stream_loses_nothing_and_duplicates_nothing(
    full: Backbone,
    clock: ControlledClock,
    env: dict[str, str],
    second_database: Database,
    second_pool: ConnectionPool,
) -> None:
    total = _record_many(full, clock, 120)
    _publish_all(full)
    full.follower.catch_up()
    run_env = subprocess_env(env, second_database, VATRA_BATCH_SIZE="10")

    def applied() -> int:
        with second_pool.connection() as conn:
            exists = conn.execute("SELECT to_regclass('case_timeline')").fetchone()
            if not exists or exists[0] is None:
                return 0
            row = conn.execute("SELECT count(*) FROM case_timeline").fetchone()
        return int(row[0]) if row else 0

    projector = vatra("project", run_env)
    wait_for(lambda: applied() > 0, 90, "the projector to apply a first batch")
    projector.send_signal(signal.SIGKILL)
    projector.wait(timeout=30)
    assert applied() < total, "the projector finished before it could be killed"
    projector = vatra("project", run_env)
    try:
        wait_for(lambda: applied() == total, 120, "the restarted projector")
    finally:
        err = end(projector, signal.SIGTERM)
    assert projector.returncode == 0, err
    for table in READ_MODELS:
        assert _rows(second_pool, table) == _rows(full.pool, table), table


def test_topics_are_created_once_with_their_settings(
    env: dict[str, str], kafka_servers: str
) -> None:
    from kafka import KafkaAdminClient  # noqa: PLC0415

    from services.kafka.topics import ensure_topics  # noqa: PLC0415

    settings = load_settings(env).kafka
    assert isinstance(settings, KafkaSettings)
    assert sorted(ensure_topics(settings)) == sorted(
        [settings.events_topic, settings.dead_letter_topic, settings.access_log_topic]
    )
    assert ensure_topics(settings) == []
    admin = KafkaAdminClient(bootstrap_servers=kafka_servers)
    try:
        described = {
            t["name"]: t for t in admin.describe_topics([settings.events_topic])
        }
    finally:
        admin.close()
    assert len(described[settings.events_topic]["partitions"]) == 6
