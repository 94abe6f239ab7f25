"""Publishes the access log to Kafka (full mode, in the relay's process), in order,
once in effect.

Each row of ``access_log`` goes to the access-log topic as one JSON object
(``schema: "vatra.access-log/1"``), keyed by case id (or by actor id for reads
of no single case), so one case's reads stay in order on one partition. The
message carries who, when, which view, which case and whether it was allowed;
never the subject reference, and nothing else personal.

The publisher follows ``access_log`` by id with its position in
``vatra_positions``, advanced only after the broker acknowledged the whole
batch (idempotent producer, ``acks=all``). A crash between the two re-sends
that batch: each message carries ``access_id`` for subscribers to drop
repeats.

``access_log.id`` is a sequence, and two inserts can commit out of id order;
a follower by id could then step past a row not yet visible. So the
publisher stops at the first gap in the ids and waits; only a gap that stays
open for ``gap_grace`` seconds (a rolled-back insert, which leaves its id
unused for ever) is stepped over.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from kafka import KafkaProducer
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from projections import positions
from services.config.settings import KafkaSettings
from services.workers.loop import SupervisedLoop

log = structlog.get_logger("vatra.access_publisher")

SCHEMA = "vatra.access-log/1"
ProducerFactory = Callable[[KafkaSettings], KafkaProducer]


def access_producer(settings: KafkaSettings) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica."""
    return KafkaProducer(
        **settings.client_options(),
        client_id=f"{settings.client_id}-access-log",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_block_ms=30_000,
        request_timeout_ms=15_000,
        delivery_timeout_ms=30_000,
    )


def message_of(row: dict[str, Any]) -> dict[str, Any]:
    """The published form of one access-log row: no subject reference."""
    return {
        "schema": SCHEMA,
        "position": row["id"],
        "access_id": str(row["access_id"]),
        "occurred_at": row["occurred_at"].isoformat(),
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "view": row["view"],
        "case_id": str(row["case_id"]) if row["case_id"] else None,
        "allowed": row["allowed"],
        "correlation_id": row["correlation_id"],
        # Why the person record was read (a code), for reads that need one.
        "reason": row.get("reason"),
    }


class AccessLogPublisher:
    """Follows ``access_log`` by id and publishes each row to the access-log topic."""

    def __init__(
        self,
        pool: ConnectionPool,
        settings: KafkaSettings,
        *,
        batch_size: int = 500,
        interval: float = 0.5,
        gap_grace: float = 10.0,
        producer_factory: ProducerFactory = access_producer,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.topic = settings.access_log_topic
        self.name = f"access-log:{settings.access_log_topic}"
        self.batch_size = batch_size
        self.interval = interval
        self.gap_grace = gap_grace
        self.producer_factory = producer_factory
        self._producer: KafkaProducer | None = None
        self._gaps: dict[int, float] = {}
        self._created = False
        self._stop = threading.Event()
        self.published = 0

    def position(self) -> int:
        with self.pool.connection() as conn, conn.cursor() as cur:
            if not self._created:
                positions.create(conn)
                self._created = True
            return positions.read(cur, self.name)

    def publish_once(self) -> int:
        """Publish the next batch; return how many rows were sent."""
        if self._producer is None:
            self._producer = self.producer_factory(self.settings)
        position = self.position()
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(
                "SELECT * FROM access_log WHERE id > %s ORDER BY id LIMIT %s",
                (position, self.batch_size),
            ).fetchall()
        batch = self._up_to_first_open_gap(rows, position)
        if not batch:
            return 0
        futures = [
            self._producer.send(
                self.topic,
                key=str(row["case_id"] or row["actor_id"]).encode(),
                value=json.dumps(message_of(row), separators=(",", ":")).encode(),
                headers=[("content-type", b"application/json")],
            )
            for row in batch
        ]
        self._producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=0)  # raises the broker's error, if any
        last = int(batch[-1]["id"])
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            positions.advance(cur, self.name, last)
        self._gaps = {gap: seen for gap, seen in self._gaps.items() if gap > last}
        self.published += len(batch)
        return len(batch)

    def _up_to_first_open_gap(
        self, rows: Sequence[dict[str, Any]], position: int
    ) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        expected = position + 1
        now = time.monotonic()
        for row in rows:
            if int(row["id"]) != expected:
                first_seen = self._gaps.setdefault(expected, now)
                if now - first_seen < self.gap_grace:
                    break  # an insert may still commit into the gap: wait
                log.info("access_log_gap_skipped", after=expected - 1)
            batch.append(row)
            expected = int(row["id"]) + 1
        return batch

    def run(self) -> None:
        """Publish until ``stop()``; carries on when the broker or the database
        returns (``services.workers.loop``)."""
        log.info("access_publisher_started", topic=self.topic)
        # It runs beside the relay: an error of its own is retried under the
        # loop's back-off (and counted), never allowed to end the relay.
        loop = SupervisedLoop(
            "access_publisher", self._stop, errors="retry", on_outage=self.close
        )
        try:
            loop.run(self._tick)
        finally:
            self.close()
        log.info("access_publisher_stopped", position=self.position())

    def _tick(self) -> None:
        # Only a full batch means more are waiting: otherwise wait, so that
        # reads arriving one by one are published together.
        if self.publish_once() < self.batch_size:
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
            self._producer = None
