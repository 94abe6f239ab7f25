"""The relay: every event of the store's notification log onto Kafka, in order.

Each event goes to the case-events topic as an Avro single-object-encoded
envelope, keyed by case id (so a case's events stay ordered on one
partition), with headers for its type, payload fingerprint and correlation
id. The producer is idempotent with ``acks=all``; the relay's position in
PostgreSQL advances only past batches whose every send the broker confirmed.
While more than a batch is waiting, the next batch is read, encoded and sent
before the one before it is confirmed, so the relay's work overlaps the
broker's; a batch that empties the log is confirmed before the relay rests.

After a crash the relay may find events past its stored position already on
Kafka. On start (and after any failed batch) it reads the last envelope of
each partition and skips, per partition, what is already there, so a restart
re-sends nothing that the broker had acknowledged. Consumers deduplicate by
(case id, version) all the same.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2
from psycopg_pool import ConnectionPool

from domain.events import CaseEvent
from projections import positions
from schemas.codec import CodecError
from schemas.mapping import decode_event, message_headers, outbox_body
from schemas.outbox import Message, message
from services.app.service import CaseApplication
from services.config.settings import KafkaSettings
from services.observability.metrics import RELAY_LAG, RELAY_POSITION, RELAY_PUBLISHED
from services.store import wakeups
from services.store.event_chain import ChainedApplicationRecorder
from services.store.outages import is_database_outage
from services.store.outbox import OutboxMapper, OutboxRow
from services.workers.loop import SupervisedLoop

log = structlog.get_logger("vatra.relay")

ProducerFactory = Callable[[KafkaSettings], KafkaProducer]


def durable_producer(settings: KafkaSettings) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica (acks=all)."""
    return KafkaProducer(
        **settings.client_options(),
        client_id=f"{settings.client_id}-relay",
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        linger_ms=5,
        batch_size=256 * 1024,
        max_block_ms=30_000,
        request_timeout_ms=15_000,
        delivery_timeout_ms=30_000,
        # An absent broker is found out in 10 s, so that a relay waiting for
        # one still ticks (and reports its lag) several times a minute.
        bootstrap_timeout_ms=10_000,
    )


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives ``key`` (murmur2, as Java)."""
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


class Relay:
    """Publishes the notification log to the case-events topic."""

    def __init__(
        self,
        app: CaseApplication,
        pool: ConnectionPool,
        settings: KafkaSettings,
        *,
        batch_size: int = 2000,
        interval: float = 0.2,
        flush_timeout: float = 60.0,
        producer_factory: ProducerFactory = durable_producer,
    ) -> None:
        self.app = app
        self.pool = pool
        self.settings = settings
        self.topic = settings.events_topic
        self.name = f"relay:{settings.events_topic}"
        self.batch_size = batch_size
        self.interval = interval
        self.flush_timeout = flush_timeout
        self.producer_factory = producer_factory
        self._producer: KafkaProducer | None = None
        self._partitions = 0
        self._partitions_by_key: dict[bytes, int] = {}
        self._tails: dict[int, int] = {}
        # Batches sent and not yet confirmed: (last position, send futures).
        self._in_flight: deque[tuple[int, list[Any]]] = deque()
        self._stop = threading.Event()
        self._waiter = wakeups.LogWaiter.for_app(app, self._stop)
        self._lag_reported_at = float("-inf")
        self.published = 0

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Connect, learn the topic's partitions and what is already on them."""
        with self.pool.connection() as conn:
            positions.create(conn)
        self._producer = self.producer_factory(self.settings)
        partitions = self._producer.partitions_for(self.topic)
        if not partitions:
            raise KafkaError(f"topic {self.topic} does not exist")
        self._partitions = len(partitions)
        self._partitions_by_key.clear()
        self._tails = self._published_tails()
        log.info(
            "relay_started",
            topic=self.topic,
            partitions=self._partitions,
            position=self.position(),
        )

    def close(self) -> None:
        # Unconfirmed batches are forgotten, not counted: the position was
        # not advanced past them, and start() skips what reached the broker.
        self._in_flight.clear()
        if self._producer is not None:
            self._producer.close(timeout=10)
            self._producer = None

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Publish until ``stop()``; carries on when a broker or the database
        returns (``services.workers.loop``): after an outage the producer is
        closed, and the tails are read anew before the batch is sent again, so
        nothing is skipped or repeated (the position was not advanced)."""
        loop = SupervisedLoop("relay", self._stop, on_outage=self.close)
        try:
            loop.run(self._tick)
        finally:
            self.close()
            self._waiter.close()
        log.info("relay_stopped", position=self.position())

    def _tick(self) -> None:
        self._report_lag_each_second()
        if self._producer is None:
            self.start()
        if self.publish_once() == 0:
            self._waiter.wait(self.interval)

    # -- work -----------------------------------------------------------------

    def position(self) -> int:
        with self.pool.connection() as conn, conn.cursor() as cur:
            return positions.read(cur, self.name)

    def lag(self) -> int:
        """How many recorded events are not yet published."""
        newest = self.app.recorder.max_notification_id() or 0
        return max(newest - self.position(), 0)

    def report_lag(self) -> int:
        """Set the lag and position metrics from the store's head and the
        committed position; return the lag."""
        position = self.position()
        newest = self.app.recorder.max_notification_id() or 0
        lag = max(newest - position, 0)
        RELAY_POSITION.set(position)
        RELAY_LAG.set(lag)
        return lag

    def _report_lag_each_second(self) -> None:
        # Every tick, published or not: while the broker is away the lag
        # grows, and the relay-lag alert must see it grow.
        if time.monotonic() - self._lag_reported_at < 1.0:
            return
        try:
            self.report_lag()
        except Exception as error:
            if not is_database_outage(error):
                raise
            return  # the tick itself meets the outage and says so
        self._lag_reported_at = time.monotonic()

    def publish_once(self) -> int:
        """Send the next batch; return how many events it held (0: none left).

        A full batch (more may be waiting) is left unconfirmed while the next
        one is prepared; any other is confirmed, with those before it, before
        this returns.
        """
        assert self._producer is not None, "start() the relay first"
        start = self._in_flight[-1][0] if self._in_flight else self.position()
        recorder = self.app.recorder
        assert isinstance(recorder, ChainedApplicationRecorder)
        rows = recorder.select_outbox(start, self.batch_size)
        if rows:
            self._in_flight.append((rows[-1].id, self._send(rows)))
        self._confirm(keep=1 if len(rows) == self.batch_size else 0)
        return len(rows)

    def _send(self, rows: Sequence[OutboxRow]) -> list[Any]:
        """Send each event not already on Kafka; the futures of the sends."""
        assert self._producer is not None
        mapper = self.app.mapper
        assert isinstance(mapper, OutboxMapper)
        futures: list[Any] = []
        for row in rows:
            if row.envelope is not None:
                sent = message(mapper.envelope(row.envelope), row.id)
            else:  # stored before envelopes were
                assert row.stored is not None
                sent = _encoded(mapper.to_domain_event(row.stored), row.id)
            partition = self._partition_of(sent.key)
            if self._tails.get(partition, 0) >= row.id:
                continue  # already on Kafka before a crash
            future = self._producer.send(
                self.topic,
                value=sent.value,
                key=sent.key,
                headers=message_headers(sent),
                partition=partition,
            )
            futures.append(future)
        return futures

    def _confirm(self, keep: int) -> None:
        """Wait until the broker confirmed every batch sent but the newest
        ``keep``, then advance the position past them."""
        if len(self._in_flight) <= keep:
            if not self._in_flight:
                RELAY_LAG.set(0)
            return
        assert self._producer is not None
        if keep == 0:
            self._producer.flush(timeout=self.flush_timeout)
        confirmed = 0
        last = 0
        while len(self._in_flight) > keep:
            last, futures = self._in_flight.popleft()
            for future in futures:
                if not future.succeeded():  # cheaper than get() for the done ones
                    future.get(timeout=self.flush_timeout)  # raises its error
            confirmed += len(futures)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            positions.advance(cur, self.name, last)
        self.published += confirmed
        RELAY_PUBLISHED.inc(confirmed)
        RELAY_POSITION.set(last)
        RELAY_LAG.set(self.lag())
        log.debug("relay_published", events=confirmed, position=last)

    def _partition_of(self, key: bytes) -> int:
        # A case's events come in runs, and murmur2 in Python is not cheap.
        partition = self._partitions_by_key.get(key)
        if partition is None:
            if len(self._partitions_by_key) >= 100_000:
                self._partitions_by_key.clear()
            partition = partition_for(key, self._partitions)
            self._partitions_by_key[key] = partition
        return partition

    def _published_tails(self) -> dict[int, int]:
        """The position of the last envelope on each partition of the topic."""
        consumer = KafkaConsumer(
            **self.settings.client_options(),
            client_id=f"{self.settings.client_id}-relay-tail",
            enable_auto_commit=False,
            group_id=None,
        )
        try:
            parts = [TopicPartition(self.topic, p) for p in range(self._partitions)]
            consumer.assign(parts)
            ends = consumer.end_offsets(parts)
            starts = consumer.beginning_offsets(parts)
            tails: dict[int, int] = {}
            for tp in parts:
                if ends[tp] > starts[tp]:
                    tails[tp.partition] = _last_position(consumer, tp, ends[tp])
            return tails
        finally:
            consumer.close()


def _encoded(event: object, position: int) -> Message:
    assert isinstance(event, CaseEvent)
    return message(outbox_body(event), position)


def _last_position(consumer: KafkaConsumer, tp: TopicPartition, end: int) -> int:
    consumer.seek(tp, end - 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for record in consumer.poll(timeout_ms=500).get(tp, []):
            if record.offset == end - 1:
                try:
                    return decode_event(record.value).position
                except CodecError:
                    log.warning("relay_tail_unreadable", partition=tp.partition)
                    return 0
    raise KafkaError(f"could not read the tail of {tp.topic}[{tp.partition}]")
