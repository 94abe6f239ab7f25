"""Tamper evidence: every stored case event is chained to the one before it.

In the same transaction as a batch of events is inserted (after the events
table's lock, so writers are serialised), the recorder writes one chain record
per event into ``<events table>_chain``; a command's events and their chain
records take two round trips to the server (``services.store.event_writes``),
and an insert through eventsourcing's own code still writes the chain records
(``_fetch_ids_after_insert_events``):

- ``hash`` = HMAC-SHA256(chain key, "vatra-chain-v1" | previous hash of the
  case | case id | version | notification id | topic | stored state), the
  state being the bytes as stored (after transcoding, compression and
  cipher), so verifying needs no cipher key; for an event stored with its
  Kafka envelope (``services.store.outbox``) "vatra-chain-v2" and the
  envelope as stored after the state, so the envelope is covered too;
- ``log_hash`` = HMAC-SHA256(chain key, "vatra-log-v1" | previous log hash |
  hash), over every event in the order recorded, with a gapless ``seq``.

The per-case chain shows an event altered, reordered or removed inside a case;
the log chain shows a case's *last* event removed together with its chain
record, which no per-case chain can. Without the key (``VATRA_CHAIN_KEY``)
nobody with only database access can write a chain that verifies; with no key
set the hashes are plain SHA-256, which shows accidents but not forgery.
``services.audit.verify`` walks the chains.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
import structlog
from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment, retry
from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from projections.schema import DDL_LOCK
from services.store.chain_hashing import (
    GENESIS,
    ChainHasher,
    ChainRecord,
    chain_rows,
    wanted,
)
from services.store.event_chain_sql import (
    ABORT,
    CHAIN_DDL,
    INSERT_CHAIN,
    INSERT_EVENTS,
    SELECT_HEADS,
)
from services.store.event_reads import EventReads, rendered
from services.store.event_writes import setup_statements, write_in_two_trips
from services.store.liveness import check_connection
from services.store.outbox import (
    ADD_COLUMN,
    OutboxedEvent,
    OutboxReads,
    OutboxRow,
    event_columns,
)

__all__ = [
    "CHAIN_KEY_ENV",
    "GENESIS",
    "STATEMENT_TIMEOUT_ENV",
    "ChainHasher",
    "ChainRecord",
    "ChainedApplicationRecorder",
    "ChainedPostgresFactory",
    "chain_table",
]

log = structlog.get_logger("vatra.chain")

# The eventsourcing environment entry that carries the chain key.
CHAIN_KEY_ENV = "VATRA_CHAIN_KEY"
# The entry bounding each statement of an event write, in seconds (0: none).
STATEMENT_TIMEOUT_ENV = "VATRA_STATEMENT_TIMEOUT"


def chain_table(events_table: str) -> str:
    """The chain table of an events table: ``cases_events_chain``."""
    return f"{events_table}_chain"


class ChainedApplicationRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, writing a chain record per event."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        hasher: ChainHasher | None = None,
        statement_timeout: int = 0,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if statement_timeout > 0:
            # Set before the table lock, for this transaction only: a write
            # that runs away is ended instead of holding every writer's lock,
            # while maintenance on other sessions keeps its own (no) limit.
            self.lock_table_statements.insert(
                0,
                SQL("SET LOCAL statement_timeout = '{0}s'").format(statement_timeout),
            )
        if datastore.enable_db_functions:
            # The database-function path inserts without calling back into
            # Python, so it would store events without chain records.
            raise ValueError(
                "POSTGRES_ENABLE_DB_FUNCTIONS cannot be used with the event chain"
            )
        self.hasher = hasher or ChainHasher(None)
        self.chain_table_name = chain_table(events_table_name)
        self.check_identifier_length(self.chain_table_name)
        self._chain = Identifier(datastore.schema, self.chain_table_name)
        events = Identifier(datastore.schema, events_table_name)
        self.sql_create_statements.append(SQL(ADD_COLUMN).format(events=events))
        self.sql_create_statements.append(SQL(CHAIN_DDL).format(chain=self._chain))
        self._select_heads = SQL(SELECT_HEADS).format(chain=self._chain)
        self._insert_chain = SQL(INSERT_CHAIN).format(chain=self._chain)
        # The write's statements, rendered once (``event_writes``).
        self._write_setup = setup_statements(
            statement_timeout=statement_timeout,
            lock_timeout=datastore.lock_timeout,
            table=Identifier(datastore.schema, events_table_name),
            channel=self.channel_name,
        )
        # The events as four arrays in binary: psycopg dumps them in a
        # fraction of the time eventsourcing's array of composites takes.
        self._insert_events_bytes = rendered(
            SQL(INSERT_EVENTS).format(
                events=events, id_type=SQL(datastore.originator_id_type)
            )
        )
        self._select_heads_bytes = rendered(self._select_heads)
        self._insert_chain_bytes = rendered(self._insert_chain)
        self._reads = EventReads(datastore, events_table_name)
        self._log = OutboxReads(datastore, events_table_name)

    def _rows(
        self,
        stored_events: Sequence[StoredEvent],
        notification_ids: Sequence[int],
        heads: Sequence[DictRow],
    ) -> list[tuple[Any, ...]]:
        return chain_rows(self.hasher, stored_events, notification_ids, heads)

    def create_table(self) -> None:
        """Create the tables, types and functions under the backbone's DDL lock.

        Workers starting together on a new database would otherwise collide in
        PostgreSQL's catalogue (a duplicate type, "tuple concurrently updated")
        and exit. eventsourcing runs this DDL in several transactions, so the
        lock is held by a session of its own around all of them.
        """
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        # Called inside the insert transaction, after the table lock and the
        # insert: the notification ids are known and no other writer can
        # interleave, so the log chain's last record is really the last.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            try:
                with curs.connection.cursor() as chain_curs:
                    self._write_chain(chain_curs, stored_events, ids)
            except BaseException:
                _abort_transaction(curs.connection)
                raise
        return ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert the events and their chain records in one transaction, in
        two round trips (``services.store.event_writes``); retried as
        eventsourcing retries its own insert, on a connection that failed."""
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn:
            return write_in_two_trips(
                conn,
                setup=self._write_setup,
                insert_events=(self._insert_events_bytes, event_columns(stored_events)),
                select_heads=(self._select_heads_bytes, wanted(stored_events)),
                insert_chain=self._insert_chain_bytes,
                chain_rows=self._rows,
                stored_events=stored_events,
            )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """A case's stored events, as eventsourcing selects them
        (``services.store.event_reads``)."""
        return self._reads.select(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The log as eventsourcing reads it, without the stored envelopes."""
        if topics:
            found: Sequence[Notification] = super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
            return found
        return self._log.notifications(start, limit, stop, inclusive=inclusive_of_start)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_outbox(self, after: int, limit: int) -> list[OutboxRow]:
        """The log after ``after`` for the relay: envelopes (``outbox``)."""
        return self._log.outbox(after, limit)

    def _write_chain(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        notification_ids: Sequence[int],
    ) -> None:
        """Write the chain records of events just inserted, on ``curs``.

        For writes through eventsourcing's own insert (and the sealing of
        old events); commands write through ``insert_events`` above.
        """
        heads = curs.execute(self._select_heads, wanted(stored_events)).fetchall()
        rows = self._rows(stored_events, notification_ids, heads)
        # Row by row: cheaper for psycopg than unnest() of eight arrays.
        curs.executemany(self._insert_chain, rows)

    def seal_unchained_cases(self, batch_size: int = 1000) -> int:
        """Chain the events of cases that have no chain record at all; return how many.

        For a store that held events before the chain existed: run once, on
        purpose (``vatra verify --seal-legacy``), after checking them another
        way. Never automatic: a start-up that sealed whatever it found would
        also seal events an intruder wrote. Cases with any chain record are
        left to ``vatra verify``.
        """
        sealed = 0
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            unchained = curs.execute(
                SQL(
                    "SELECT e.originator_id, e.originator_version, e.topic, e.state, "
                    "e.envelope, e.notification_id FROM {events} e WHERE NOT EXISTS "
                    "(SELECT 1 FROM {chain} c WHERE c.originator_id = e.originator_id)"
                    " ORDER BY e.notification_id"
                ).format(
                    events=Identifier(self.datastore.schema, self.events_table_name),
                    chain=self._chain,
                )
            ).fetchall()
            for start in range(0, len(unchained), batch_size):
                rows = unchained[start : start + batch_size]
                self._write_chain(
                    curs,
                    [
                        OutboxedEvent(
                            originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"],
                            state=bytes(row["state"]),
                            envelope=(
                                None
                                if row["envelope"] is None
                                else bytes(row["envelope"])
                            ),
                        )
                        for row in rows
                    ],
                    [int(row["notification_id"]) for row in rows],
                )
                sealed += len(rows)
        return sealed


class ChainedPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory with the chained application recorder.

    Selected by ``PERSISTENCE_MODULE`` in ``Database.eventsourcing_env()``; the
    key comes from the environment entry ``VATRA_CHAIN_KEY``. Its pool checks
    a connection before lending it as ours do (``services.store.liveness``),
    not with a round trip each time.
    """

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        if self.datastore.pre_ping:
            # The pool takes its check only when made; eventsourcing makes it.
            self.datastore.pool._check = check_connection

    def application_recorder(self) -> ApplicationRecorder:
        prefix = self.env.name.lower() or "stored"
        recorder = ChainedApplicationRecorder(
            self.datastore,
            events_table_name=prefix + "_events",
            hasher=ChainHasher(self.env.get(CHAIN_KEY_ENV) or None),
            statement_timeout=int(self.env.get(STATEMENT_TIMEOUT_ENV) or 0),
        )
        if self.env_create_table():
            recorder.create_table()
        return recorder


def _abort_transaction(conn: Connection[DictRow]) -> None:
    """Make sure the open transaction can only roll back.

    eventsourcing keeps an exception raised here until its transaction block
    has ended, and ends it with COMMIT: a database error had already aborted
    the transaction, but any other error (in hashing, say) would commit events
    without their chain records while the caller is told nothing was saved.
    An error raised in the database turns that COMMIT into a ROLLBACK.
    """
    with contextlib.suppress(psycopg.Error), conn.pipeline():
        # The nested pipeline block syncs on exit, so the error is raised here.
        conn.execute(ABORT)
