"""Runs projections by following the event store's notification log (embedded mode).

Each projection keeps its own position. A batch of events is applied and the
position advanced in one PostgreSQL transaction, so a crash at any moment
leaves the read model and its position consistent, and the follower resumes
where its last committed batch ended. eventsourcing's recorder assigns
notification ids in commit order (it locks the table on insert), so following
by id skips nothing.

A batch that fails is retried; if it still fails, its events are applied one
at a time, each projection's in a savepoint of its own, and an event that a
projection still cannot process is set aside in ``vatra_dead_letters``
(``services.store.dead_letters``) for that projection, counted in
``vatra_dead_letters_total``, and the projection goes on past it. A failure
that says the database is unavailable is never blamed on an event: it is
raised, and the batch is read again later.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import Notification
from psycopg import Connection, Cursor, sql
from psycopg_pool import ConnectionPool

from domain.events import CaseEvent, payload_of
from projections import positions
from projections.feed import Delivered, Projection
from projections.schema import create_retrying
from services.app.service import CaseApplication
from services.observability.metrics import DEAD_LETTERS, PROJECTION_LAG
from services.store import dead_letters, wakeups
from services.store.outages import is_database_outage
from services.workers.loop import SupervisedLoop

log = structlog.get_logger("vatra.follower")


class LogFollower:
    """Feeds projections from the notification log, batch by batch."""

    def __init__(
        self,
        app: CaseApplication,
        pool: ConnectionPool,
        projections: Sequence[Projection],
        *,
        batch_size: int = 500,
        interval: float = 0.2,
        after_commit: Callable[[], None] | None = None,
        retries: int = 3,
        retry_pause: float = 0.05,
        name: str = "read-models",
    ) -> None:
        """``after_commit`` is called after each batch is committed (the
        notifier wakes its dispatcher with it). A failing batch is tried
        ``retries`` times, ``retry_pause`` seconds apart (growing), before
        its events are applied one by one. ``name`` labels its failure metric."""
        if retries < 1:
            raise ValueError("the follower needs at least one try per batch")
        self.app = app
        self.name = name
        self.after_commit = after_commit
        self.pool = pool
        self.projections = list(projections)
        self.batch_size = batch_size
        self.interval = interval
        self.retries = retries
        self.retry_pause = retry_pause
        # Events this follower set aside, counted once per projection.
        self.dead_lettered = 0
        self._stop = threading.Event()
        self._waiter = wakeups.LogWaiter.for_app(app, self._stop)
        self._took_ahead = False  # whether the last step used a batch read ahead

    def create_tables(self) -> None:
        with self.pool.connection() as conn:
            positions.create(conn)
            dead_letters.create(conn)
            for projection in self.projections:
                create_retrying(conn, projection.create)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drop every read model, recreate it and replay all events into it.

        ``progress(position, last)`` is called after each batch. Returns how
        many events were applied (per projection).

        A projection's ``read_indexes`` (indexes its readers use and its
        ``apply`` does not) are made once the events are replayed, not kept up
        to date row by row. If the rebuild stops before, the next start of any
        worker (``create_tables``) makes them.
        """
        with self.pool.connection() as conn, conn.transaction():
            positions.create(conn)
            dead_letters.create(conn)
            for projection in self.projections:
                for table in projection.tables:
                    conn.execute(
                        sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                            sql.Identifier(table)
                        )
                    )
                with conn.cursor() as cur:
                    positions.reset(cur, projection.name)
                    # Replayed, each event fails again or is applied now.
                    dead_letters.forget(cur, projection.name)
        self.create_tables()
        self._drop_read_indexes()
        last = self.app.recorder.max_notification_id() or 0
        applied = 0
        # The next batch is read and decoded in a thread while this one is
        # written: each side mostly waits for the other (PostgreSQL, Python).
        with (
            _fewer_collections(),
            ThreadPoolExecutor(1, thread_name_prefix="rebuild-reader") as reader,
        ):
            coming = reader.submit(self._read_ahead, 0)
            while True:
                try:
                    ahead: _Ahead | None = coming.result()
                except Exception:
                    ahead = None  # the step reads it, and knows what to do
                if ahead is not None and ahead.notifications:
                    coming = reader.submit(self._read_ahead, ahead.notifications[-1].id)
                self._took_ahead = False
                step = self._step(ahead)
                if step == 0:
                    self.create_tables()  # and with them the read indexes
                    return applied // max(len(self.projections), 1)
                if not self._took_ahead:  # read again from where the step ended
                    coming = reader.submit(self._read_ahead, self._lowest_position())
                applied += step
                if progress:
                    progress(min(applied // len(self.projections), last), last)

    def _drop_read_indexes(self) -> None:
        with self.pool.connection() as conn, conn.transaction():
            for projection in self.projections:
                for index in getattr(projection, "read_indexes", ()):
                    conn.execute(
                        sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(index))
                    )

    def _read_ahead(self, after: int) -> _Ahead:
        """The batch after ``after``, decoded if every event of it decodes."""
        notifications = self.app.recorder.select_notifications(
            start=after, limit=self.batch_size, inclusive_of_start=False
        )
        try:
            batch: list[Delivered] | None = self._decoded(notifications)
        except Exception:
            batch = None  # the step decodes it, and sets the culprit aside
        return _Ahead(after, notifications, batch)

    def _lowest_position(self) -> int:
        with self.pool.connection() as conn, conn.cursor() as cur:
            return min(
                (positions.read(cur, p.name) for p in self.projections), default=0
            )

    def _decoded(self, notifications: Sequence[Notification]) -> list[Delivered]:
        return [
            Delivered(n.id, _case_event(self.app.mapper.to_domain_event(n)))
            for n in notifications
        ]

    def catch_up(self) -> int:
        """Apply everything recorded so far; return how many events were applied
        (counted once per projection)."""
        applied = 0
        while True:
            progressed = self._step()
            applied += progressed
            if progressed == 0:
                return applied

    def run(self) -> None:
        """Follow the log until ``stop()``; when caught up, waits until events
        are recorded (``services.store.wakeups``), at most ``interval``."""
        log.info("follower_started", projections=[p.name for p in self.projections])
        # Never skip: a failed batch was rolled back, so it is tried again.
        loop = SupervisedLoop("follower", self._stop, label=self.name, errors="retry")
        try:
            loop.run(self._tick)
        finally:
            self._waiter.close()
        log.info("follower_stopped", follower=self.name)

    def _tick(self) -> None:
        if self.catch_up() == 0:
            self._waiter.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()

    def _step(self, ahead: _Ahead | None = None) -> int:
        """Apply the next batch; retry it, then isolate the events that fail.

        Returns the events taken (applied or set aside), counted once per
        projection. ``ahead``: the batch, if read beforehand (``rebuild``).
        """
        for attempt in range(1, self.retries + 1):
            try:
                return self._step_batch(
                    isolate=False, ahead=ahead if attempt == 1 else None
                )
            except Exception as error:
                if is_database_outage(error):
                    raise  # not the batch's fault: read it again later
                log.warning(
                    "follower_batch_failed",
                    attempt=attempt,
                    error=type(error).__name__,
                )
                if attempt < self.retries:
                    self._stop.wait(self.retry_pause * attempt)
        return self._step_batch(isolate=True)

    def _step_batch(self, *, isolate: bool, ahead: _Ahead | None = None) -> int:
        """Apply the next batch to every projection in one transaction.

        The batch starts after the projection furthest behind; each projection
        takes the events after its own position, so events are read and
        decoded once for all. With ``isolate``, each event is applied to each
        projection in a savepoint, and one that fails is dead-lettered.
        ``ahead`` is taken for the batch only if it starts where it must.
        """
        started = time.monotonic()
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            # One step per projection at a time, across threads and processes
            # (the SOP clock catches up beside the running follower): the
            # second waits, then reads the position the first committed. The
            # locks are taken in name order, so two followers cannot deadlock.
            for name in sorted(p.name for p in self.projections):
                cur.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))",
                    (f"vatra-follower:{name}",),
                )
            at = {p.name: positions.read(cur, p.name) for p in self.projections}
            start = min(at.values(), default=0)
            decoded: list[Delivered] | None = None
            if ahead is not None and ahead.after == start and not isolate:
                notifications, decoded = ahead.notifications, ahead.batch
                self._took_ahead = True
            else:
                notifications = self.app.recorder.select_notifications(
                    start=start, limit=self.batch_size, inclusive_of_start=False
                )
            if not notifications:
                for projection in self.projections:
                    PROJECTION_LAG.labels(projection.name).set(0)
                return 0
            last = notifications[-1].id
            applied = 0
            if isolate:
                for projection in self.projections:
                    mine = [n for n in notifications if n.id > at[projection.name]]
                    if mine:
                        self._apply_one_by_one(conn, cur, projection, mine)
                        positions.advance(cur, projection.name, last)
                        applied += len(mine)
                newest: datetime | None = None  # the newest may not decode
            else:
                batch = self._decoded(notifications) if decoded is None else decoded
                for projection in self.projections:
                    mine_d = [d for d in batch if d.position > at[projection.name]]
                    if mine_d:
                        projection.apply(cur, mine_d)
                        positions.advance(cur, projection.name, last)
                        applied += len(mine_d)
                newest = batch[-1].event.timestamp
        if self.after_commit is not None:
            self.after_commit()
        lag = (
            max((datetime.now(UTC) - newest).total_seconds(), 0)
            if newest is not None and len(notifications) == self.batch_size
            else 0
        )
        for projection in self.projections:
            PROJECTION_LAG.labels(projection.name).set(lag)
        log.debug(
            "batch_applied",
            projections=[p.name for p in self.projections],
            events=len(notifications),
            position=last,
            seconds=round(time.monotonic() - started, 4),
        )
        return applied

    def _apply_one_by_one(
        self,
        conn: Connection[Any],
        cur: Cursor[Any],
        projection: Projection,
        notifications: list[Notification],
    ) -> None:
        """Apply each event in a savepoint; set aside the ones that fail."""
        for notification in notifications:
            event: CaseEvent | None = None
            try:
                with conn.transaction():
                    event = _case_event(self.app.mapper.to_domain_event(notification))
                    projection.apply(cur, [Delivered(notification.id, event)])
            except Exception as error:
                if is_database_outage(error):
                    raise
                self._dead_letter(cur, projection, notification, event, error)

    def _dead_letter(
        self,
        cur: Cursor[Any],
        projection: Projection,
        notification: Notification,
        event: CaseEvent | None,
        error: Exception,
    ) -> None:
        failed = dead_letters.FailedEvent(
            projection=projection.name,
            notification_id=notification.id,
            case_id=UUID(str(notification.originator_id)),
            version=notification.originator_version,
            event_type=_event_type(notification.topic),
        )
        payload = payload_of(event) if event is not None else None
        report = dead_letters.describe(error, payload)
        dead_letters.record(cur, failed, report)
        self.dead_lettered += 1
        reason = "processing_failed" if event is not None else "undecodable"
        DEAD_LETTERS.labels(projection.name, reason).inc()
        log.error(
            "event_dead_lettered",
            projection=projection.name,
            notification_id=notification.id,
            case_id=str(notification.originator_id),
            version=notification.originator_version,
            event_type=failed.event_type,
            error=report.error_type,
            where=report.where,
        )


@dataclass(frozen=True)
class _Ahead:
    """A batch read (and decoded, unless an event of it does not) before its
    turn, after notification id ``after``."""

    after: int
    notifications: Sequence[Notification]
    batch: list[Delivered] | None


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often. A rebuild makes millions of
    short-lived objects that reference counting frees; the collector, run
    every 700 allocations, took 7% of a rebuild's time (py-spy)."""
    thresholds = gc.get_threshold()
    gc.freeze()  # what was there before is not scanned again meanwhile
    gc.set_threshold(100_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _event_type(topic: str) -> str:
    """``domain.events:Identified`` (or a nested class path) -> ``Identified``."""
    return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


def _case_event(event: object) -> CaseEvent:
    if not isinstance(event, CaseEvent):
        raise TypeError(f"not a case event: {type(event).__name__}")
    return event
