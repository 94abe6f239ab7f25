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
from typing import Any

import psycopg
import structlog
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
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


def install_for(app: Application[Any]) -> None:
    """Install the trigger on ``app``'s events table, in the event store's own
    database (which may not be the read models'), once the table exists."""
    datastore = getattr(app.recorder, "datastore", None)
    table = getattr(app.recorder, "events_table_name", None)
    if not isinstance(datastore, PostgresDatastore) or not isinstance(table, str):
        return  # not stored in PostgreSQL: followers poll
    try:
        with datastore.get_connection() as conn:
            found = conn.execute(
                """
                SELECT to_regclass(%s) IS NOT NULL AS table_found,
                       EXISTS (SELECT 1 FROM pg_trigger
                               WHERE tgrelid = to_regclass(%s) AND tgname = %s)
                           AS trigger_found
                """,
                (table, table, f"{table}_notify"),
            ).fetchone()
            if found and found["table_found"] and not found["trigger_found"]:
                install(conn, table)
    except psycopg.Error as error:
        # Not allowed to (a read-only database, a user without the right):
        # the followers poll at their interval instead.
        log.warning("wakeups_not_installed", error=type(error).__name__)


def store_connection(app: Application[Any]) -> dict[str, Any] | None:
    """The connection settings of ``app``'s event store, if it is in PostgreSQL."""
    datastore = getattr(app.recorder, "datastore", None)
    if not isinstance(datastore, PostgresDatastore):
        return None
    kwargs = datastore.pool.kwargs
    if not isinstance(kwargs, dict):
        return None  # settings made per connection: followers poll
    return {k: v for k, v in kwargs.items() if k != "row_factory"}


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
        self, connection: dict[str, Any] | None, stop: threading.Event
    ) -> None:
        """``connection``: the event store's settings (``store_connection``);
        None to wait out each timeout (polling only)."""
        self.connection = connection
        self.stop = stop
        self._conn: Connection[Any] | None = None

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
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            self._conn = conn
        return self._conn
