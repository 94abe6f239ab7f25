"""Hosts projections (or handlers) on a Kafka consumer group.

Offsets are stored in PostgreSQL in the same transaction as the read-model
rows and sought to whenever partitions are assigned, so a crash, a restart or
a rebalance never skips a message and never applies one twice in effect (the
projections are idempotent by case id and version as well).

A message that cannot be decoded goes to the dead-letter topic at once. A
batch that fails is retried; if it still fails, its messages are applied one
by one and each one that fails goes to the dead-letter topic with the error in
its headers, is counted, and the rest flow on. A failure that says the
database is unavailable (gone, read-only, out of disk: ``services.store.outages``)
is never blamed on a message: the runner closes its consumer, waits, and
starts again from the stored offsets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from psycopg_pool import ConnectionPool

from projections import offsets, positions
from projections.feed import Delivered, Projection
from projections.schema import create_retrying
from schemas.codec import CodecError
from schemas.mapping import decode_event, to_domain_event
from services.config.settings import KafkaSettings
from services.kafka.relay import durable_producer
from services.observability.metrics import (
    CONSUMER_APPLIED,
    CONSUMER_LAG,
    DEAD_LETTERS,
    PROJECTION_LAG,
)
from services.store import dead_letters
from services.store.outages import is_database_outage
from services.workers.loop import SupervisedLoop

log = structlog.get_logger("vatra.consumer")

# The relay's routing headers (``schemas.mapping.kafka_headers``), kept on a
# dead letter so that it can be routed and retried like the original.
ORIGINAL_HEADERS = ("type", "fingerprint", "correlation_id")


class _SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: KafkaRunner) -> None:
        self.runner = runner

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info(
            "partitions_revoked", partitions=sorted(tp.partition for tp in revoked)
        )

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.runner.seek_to_stored(list(assigned))


class KafkaRunner:
    """Feeds ``projections`` from the case-events topic on consumer group ``group``."""

    def __init__(
        self,
        pool: ConnectionPool,
        projections: Sequence[Projection],
        settings: KafkaSettings,
        *,
        group: str,
        max_records: int = 1000,
        retries: int = 3,
        retry_pause: float = 0.5,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        """``after_commit`` is called after each batch is committed (the
        notifier wakes its dispatcher with it)."""
        self.pool = pool
        self.after_commit = after_commit
        self.projections = list(projections)
        self.settings = settings
        self.topic = settings.events_topic
        self.group = group
        self.max_records = max_records
        self.retries = retries
        self.retry_pause = retry_pause
        self._stop = threading.Event()
        self._consumer: KafkaConsumer | None = None
        self._dead_letters: KafkaProducer | None = None
        self.applied = 0
        self.dead_lettered = 0

    # -- lifecycle ------------------------------------------------------------

    def create_tables(self) -> None:
        with self.pool.connection() as conn:
            offsets.create(conn)
            positions.create(conn)
            for projection in self.projections:
                create_retrying(conn, projection.create)

    def start(self) -> None:
        self.create_tables()
        self._consumer = KafkaConsumer(
            **self.settings.client_options(),
            client_id=f"{self.settings.client_id}-{self.group}",
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_records,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )
        self._consumer.subscribe([self.topic], listener=_SeekToStoredOffsets(self))
        self._dead_letters = durable_producer(self.settings)
        log.info("consumer_started", group=self.group, topic=self.topic)

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None
        if self._dead_letters is not None:
            self._dead_letters.close(timeout=10)
            self._dead_letters = None

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Consume until ``stop()``; reconnects when the broker or the database
        comes back (``services.workers.loop``), resuming from the offsets stored
        beside the read models: nothing of a failed batch was committed, so a
        new consumer reads it again, never skips it."""
        loop = SupervisedLoop(
            "consumer", self._stop, label=self.group, on_outage=self.close
        )
        try:
            loop.run(self._tick)
        finally:
            self.close()
        log.info("consumer_stopped", group=self.group)

    def _tick(self) -> None:
        if self._consumer is None:
            self.start()
        self.poll_once()

    def seek_to_stored(self, assigned: list[TopicPartition]) -> None:
        """Seek each assigned partition to the offset stored beside the read models."""
        assert self._consumer is not None
        with self.pool.connection() as conn, conn.cursor() as cur:
            stored = offsets.read(
                cur, self.group, self.topic, [tp.partition for tp in assigned]
            )
        for tp in assigned:
            if tp.partition in stored:
                self._consumer.seek(tp, stored[tp.partition])
            else:
                self._consumer.seek_to_beginning(tp)
        log.info("partitions_assigned", group=self.group, offsets=stored)

    # -- work -----------------------------------------------------------------

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Apply what one poll returns; return how many messages were handled."""
        assert self._consumer is not None
        polled = self._consumer.poll(
            timeout_ms=timeout_ms, max_records=self.max_records
        )
        batches = {tp: records for tp, records in polled.items() if records}
        if batches:
            self._handle(batches)
            self._commit_to_kafka(batches)
        self._measure_lag()
        return sum(len(records) for records in batches.values())

    def _measure_projection_lag(self, applied: list[Delivered], fetched: int) -> None:
        # A full batch means more may be waiting: report the age of what was
        # just applied; a partial one means the group has caught up.
        lag = 0.0
        if applied and fetched >= self.max_records:
            newest = max(item.event.timestamp for item in applied)
            lag = max((datetime.now(UTC) - newest).total_seconds(), 0.0)
        for projection in self.projections:
            PROJECTION_LAG.labels(projection.name).set(lag)

    def _measure_lag(self) -> None:
        assert self._consumer is not None
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue  # not fetched yet: nothing known
            position = self._consumer.position(tp, timeout_ms=1000)
            if position is not None:
                CONSUMER_LAG.labels(self.group, str(tp.partition)).set(
                    max(highwater - position, 0)
                )

    def _handle(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """Apply one poll's messages, from every partition, in one transaction."""
        delivered: dict[TopicPartition, list[tuple[Any, Delivered]]] = {}
        for tp, records in batches.items():
            delivered[tp] = []
            for record in records:
                try:
                    decoded = decode_event(record.value)
                    item = Delivered(decoded.position, to_domain_event(decoded))
                except CodecError as error:
                    self._dead_letter(record, error, "undecodable")
                    continue
                delivered[tp].append((record, item))
        next_offsets = {tp: records[-1].offset + 1 for tp, records in batches.items()}
        # Cases map to partitions, so each case's events stay in their order.
        items = [item for pairs in delivered.values() for _r, item in pairs]
        fetched = sum(len(records) for records in batches.values())
        for attempt in range(1, self.retries + 1):
            try:
                self._apply(items, next_offsets)
                self.applied += len(items)
                CONSUMER_APPLIED.labels(self.group).inc(len(items))
                self._measure_projection_lag(items, fetched)
                return
            except Exception as error:  # retried, then isolated: never skipped
                if is_database_outage(error):
                    raise  # not this batch's fault: run() waits and re-reads it
                log.warning(
                    "consumer_batch_failed",
                    group=self.group,
                    attempt=attempt,
                    error=type(error).__name__,
                )
                time.sleep(self.retry_pause * attempt)
        for tp, pairs in delivered.items():
            self._isolate(tp, pairs)
            self._apply([], {tp: next_offsets[tp]})

    def _isolate(
        self, tp: TopicPartition, delivered: list[tuple[Any, Delivered]]
    ) -> None:
        """Apply one by one; what still fails is dead-lettered, the rest applied."""
        for record, item in delivered:
            try:
                self._apply([item], {tp: record.offset + 1})
                self.applied += 1
                CONSUMER_APPLIED.labels(self.group).inc()
            except Exception as error:
                if is_database_outage(error):
                    raise  # the database went away meanwhile: not the message
                self._dead_letter(
                    record, error, "processing_failed", payload=item.payload
                )
                self._apply([], {tp: record.offset + 1})

    def _apply(
        self, batch: list[Delivered], next_offsets: dict[TopicPartition, int]
    ) -> None:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            if batch:
                for projection in self.projections:
                    projection.apply(cur, batch)
            for tp, next_offset in next_offsets.items():
                offsets.advance(cur, self.group, tp.topic, tp.partition, next_offset)
        if batch and self.after_commit is not None:
            self.after_commit()

    def _dead_letter(
        self, record: Any, error: Exception, reason: str, payload: object = None
    ) -> None:
        """Send ``record`` to the dead-letter topic with its own routing headers
        (type, fingerprint, correlation id) and the error's, without any text
        of the payload."""
        assert self._dead_letters is not None
        report = dead_letters.describe(error, payload)
        original = [
            (name, value)
            for name, value in record.headers or []
            if name in ORIGINAL_HEADERS
        ]
        headers = [
            *original,
            ("error_reason", reason.encode()),
            ("error_type", report.error_type.encode()),
            ("error_message", report.message.encode()),
            ("error_where", report.where.encode()),
            ("original_topic", record.topic.encode()),
            ("original_partition", str(record.partition).encode()),
            ("original_offset", str(record.offset).encode()),
            ("consumer_group", self.group.encode()),
            ("failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        future = self._dead_letters.send(
            self.settings.dead_letter_topic,
            value=record.value,
            key=record.key,
            headers=headers,
        )
        future.get(timeout=30)  # the dead letter must be safe before we move on
        self.dead_lettered += 1
        DEAD_LETTERS.labels(self.group, reason).inc()
        log.error(
            "message_dead_lettered",
            group=self.group,
            reason=reason,
            error=type(error).__name__,
            partition=record.partition,
            offset=record.offset,
        )

    def _commit_to_kafka(self, batches: dict[TopicPartition, list[Any]]) -> None:
        # PostgreSQL holds the offsets that count; committing them to Kafka too
        # lets standard tools show this group's lag.
        assert self._consumer is not None
        committed = {
            tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)
            for tp, records in batches.items()
            if records
        }
        try:
            self._consumer.commit_async(committed)
        except KafkaError as error:
            log.debug("kafka_commit_skipped", error=type(error).__name__)
