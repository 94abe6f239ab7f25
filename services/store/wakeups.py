"""Waking the log's followers when events are recorded, instead of polling.

eventsourcing's PostgreSQL recorder sends ``NOTIFY <events table>`` in every
transaction that records events, and PostgreSQL delivers it when, and only
if, that transaction commits. The relay and the log followers wait on
``LogWaiter.wait``, which listens on that channel and returns at the first
notification or after the timeout, so an identification reaches the relay
as soon as it commits, while polling every interval remains the fallback:
a lost listening connection costs latency, never an event.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import structlog
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Connection, sql

log = structlog.get_logger("vatra.wakeups")


class LogWaiter:
    """Waits until events are recorded, or a timeout passes."""

    def __init__(
        self,
        connection: dict[str, Any] | None,
        channel: str,
        stop: threading.Event,
    ) -> None:
        """``connection``: the event store's settings; None to wait out each
        timeout (polling only). ``channel``: the recorder's notify channel."""
        self.connection = connection
        self.channel = channel
        self.stop = stop
        self._conn: Connection[Any] | None = None

    @classmethod
    def for_app(cls, app: Application[Any], stop: threading.Event) -> LogWaiter:
        """A waiter on ``app``'s event store (polling only if it is not in
        PostgreSQL)."""
        recorder = app.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            return cls(None, "", stop)
        datastore: PostgresDatastore = recorder.datastore
        kwargs = datastore.pool.kwargs
        if not isinstance(kwargs, dict):
            return cls(None, "", stop)  # settings made per connection
        connection = {k: v for k, v in kwargs.items() if k != "row_factory"}
        return cls(connection, recorder.channel_name, stop)

    def wait(self, timeout: float) -> None:
        """Return when events were recorded since the last call, or after
        ``timeout`` seconds."""
        if self.connection is None:
            self.stop.wait(timeout)
            return
        try:
            conn = self._listening(self.connection)
            for _notify in conn.notifies(timeout=timeout, stop_after=1):
                break
            # Several commits may have notified: one round of work covers them.
            for _notify in conn.notifies(timeout=0):
                pass
        except psycopg.Error as error:
            log.warning("wakeups_unavailable", error=type(error).__name__)
            self.close()
            # Fall back to the plain interval; the next call listens again.
            self.stop.wait(timeout)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _listening(self, connection: dict[str, Any]) -> Connection[Any]:
        if self._conn is None or self._conn.closed:
            conn: Connection[Any] = psycopg.connect(
                **connection, autocommit=True, connect_timeout=5
            )
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self._conn = conn
        return self._conn
