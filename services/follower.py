"""Runs projections by following the event store's notification log (embedded mode).

Each projection keeps its own position. A batch of events is applied and the
position advanced in one PostgreSQL transaction, so a crash at any moment
leaves the read model and its position consistent, and the follower resumes
where its last committed batch ended. eventsourcing's recorder assigns
notification ids in commit order (it locks the table on insert), so following
by id skips nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import structlog
from psycopg import sql
from psycopg_pool import ConnectionPool

from domain.events import CaseEvent
from projections import positions
from projections.feed import Delivered, Projection
from services import wakeups
from services.application import CaseApplication
from services.metrics import PROJECTION_LAG

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
    ) -> None:
        """``after_commit`` is called after each batch is committed (the
        notifier wakes its dispatcher with it)."""
        self.app = app
        self.after_commit = after_commit
        self.pool = pool
        self.projections = list(projections)
        self.batch_size = batch_size
        self.interval = interval
        self._stop = threading.Event()
        self._waiter = wakeups.LogWaiter.for_app(app, self._stop)

    def create_tables(self) -> None:
        with self.pool.connection() as conn:
            positions.create(conn)
            for projection in self.projections:
                projection.create(conn)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drop every read model, recreate it and replay all events into it.

        ``progress(position, last)`` is called after each batch. Returns how
        many events were applied (per projection).
        """
        with self.pool.connection() as conn, conn.transaction():
            positions.create(conn)
            for projection in self.projections:
                for table in projection.tables:
                    conn.execute(
                        sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                            sql.Identifier(table)
                        )
                    )
                with conn.cursor() as cur:
                    positions.reset(cur, projection.name)
        self.create_tables()
        last = self.app.recorder.max_notification_id() or 0
        applied = 0
        while True:
            step = self._step()
            if step == 0:
                return applied // max(len(self.projections), 1)
            applied += step
            if progress:
                progress(min(applied // len(self.projections), last), last)

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
        are recorded (``services.wakeups``), at most ``interval``."""
        log.info("follower_started", projections=[p.name for p in self.projections])
        while not self._stop.is_set():
            try:
                if self.catch_up() == 0:
                    self._waiter.wait(self.interval)
            except Exception:
                # Never skip: the batch was rolled back, so retry it after a pause.
                log.exception("follower_batch_failed")
                self._stop.wait(max(self.interval, 1.0))
        self._waiter.close()
        log.info("follower_stopped")

    def stop(self) -> None:
        self._stop.set()

    def _step(self) -> int:
        """Apply the next batch to every projection in one transaction.

        The batch starts after the projection furthest behind; each projection
        takes the events after its own position, so events are read and
        decoded once for all. Returns the events applied, counted once per
        projection.
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
            notifications = self.app.recorder.select_notifications(
                start=min(at.values(), default=0),
                limit=self.batch_size,
                inclusive_of_start=False,
            )
            if not notifications:
                for projection in self.projections:
                    PROJECTION_LAG.labels(projection.name).set(0)
                return 0
            batch = [
                Delivered(n.id, _case_event(self.app.mapper.to_domain_event(n)))
                for n in notifications
            ]
            applied = 0
            for projection in self.projections:
                mine = [d for d in batch if d.position > at[projection.name]]
                if mine:
                    projection.apply(cur, mine)
                    positions.advance(cur, projection.name, batch[-1].position)
                    applied += len(mine)
        if self.after_commit is not None:
            self.after_commit()
        newest = batch[-1].event.timestamp
        lag = (
            max((datetime.now(UTC) - newest).total_seconds(), 0)
            if len(batch) == self.batch_size
            else 0
        )
        for projection in self.projections:
            PROJECTION_LAG.labels(projection.name).set(lag)
        log.debug(
            "batch_applied",
            projections=[p.name for p in self.projections],
            events=len(batch),
            position=batch[-1].position,
            seconds=round(time.monotonic() - started, 4),
        )
        return applied


def _case_event(event: object) -> CaseEvent:
    if not isinstance(event, CaseEvent):
        raise TypeError(f"not a case event: {type(event).__name__}")
    return event
