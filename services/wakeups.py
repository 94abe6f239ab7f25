"""Waking the log's followers when events are recorded, instead of polling.

A statement-level trigger on the events table sends ``NOTIFY vatra_events``
when a transaction that recorded events commits (PostgreSQL delivers a
notification only on commit, once per transaction). The relay and the log
followers wait on ``LogWaiter.wait``, which returns at the first notification
or after the timeout, so an identification reaches the relay within a few
milliseconds, while polling every interval remains the fallback: a lost
listening connection costs latency, never an event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
import structlog
from eventsourcing.application import Application
from psycopg import Connection, sql

from projections.schema import ddl_lock

log = structlog.get_logger("vatra.wakeups")

CHANNEL = "vatra_events"

FUNCTION = f"""
CREATE OR REPLACE FUNCTION vatra_events_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$
"""


def install_for(conn: Connection[Any], app: Application[Any]) -> None:
    """Install the trigger on ``app``'s events table, if it is in PostgreSQL."""
    table = getattr(app.recorder, "events_table_name", None)
    if isinstance(table, str):
        install(conn, table)


def install(conn: Connection[Any], events_table: str) -> None:
    """Create the trigger that notifies ``vatra_events`` (idempotent)."""
    trigger = sql.Identifier(f"{events_table}_notify")
    with ddl_lock(conn):
        conn.execute(FUNCTION)
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {} AFTER INSERT ON {} "
                "FOR EACH STATEMENT EXECUTE FUNCTION vatra_events_recorded()"
            ).format(trigger, sql.Identifier(events_table))
        )


class LogWaiter:
    """Waits until events are recorded, or a timeout passes."""

    def __init__(
        self, conninfo: str | Callable[[], str], stop: threading.Event
    ) -> None:
        self.conninfo = conninfo
        self.stop = stop
        self._conn: Connection[Any] | None = None

    def wait(self, timeout: float) -> None:
        """Return when events were recorded since the last call, or after
        ``timeout`` seconds."""
        try:
            conn = self._listening()
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

    def _listening(self) -> Connection[Any]:
        if self._conn is None or self._conn.closed:
            conninfo = self.conninfo() if callable(self.conninfo) else self.conninfo
            conn: Connection[Any] = psycopg.connect(
                conninfo, autocommit=True, connect_timeout=5
            )
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            self._conn = conn
        return self._conn
