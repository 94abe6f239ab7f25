"""Tamper evidence: every stored case event is chained to the one before it.

In the same transaction as eventsourcing inserts a batch of events (after its
table lock, so writers are serialised), the recorder writes one chain record
per event into ``<events table>_chain``:

- ``hash`` = HMAC-SHA256(chain key, "vatra-chain-v1" | previous hash of the
  case | case id | version | notification id | topic | stored state), the
  state being the bytes as stored (after transcoding, compression and
  cipher), so verifying needs no cipher key;
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
import hashlib
import hmac
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
import structlog
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from projections.schema import DDL_LOCK

log = structlog.get_logger("vatra.chain")

# The eventsourcing environment entry that carries the chain key.
CHAIN_KEY_ENV = "VATRA_CHAIN_KEY"
# The entry bounding each statement of an event write, in seconds (0: none).
STATEMENT_TIMEOUT_ENV = "VATRA_STATEMENT_TIMEOUT"
# The first event of a case, and the first chain record of the log, link to this.
GENESIS = bytes(32)

CHAIN_DDL = """
CREATE TABLE IF NOT EXISTS {chain} (
    seq bigint PRIMARY KEY,
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    notification_id bigint NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    log_hash bytea NOT NULL,
    key_id text NOT NULL,
    UNIQUE (originator_id, originator_version)
)
"""


# The log chain's last record (the row without a case id: its seq and log
# hash), and the hashes of the given (case, version) records.
SELECT_HEADS = """
SELECT NULL::uuid AS originator_id, seq AS originator_version, log_hash AS hash
FROM (SELECT seq, log_hash FROM {chain} ORDER BY seq DESC LIMIT 1) AS head
UNION ALL
SELECT c.originator_id, c.originator_version, c.hash FROM {chain} c
JOIN unnest(%s::uuid[], %s::bigint[]) AS w(id, version)
ON c.originator_id = w.id AND c.originator_version = w.version
"""

INSERT_CHAIN = """
INSERT INTO {chain} (seq, originator_id, originator_version, notification_id,
    prev_hash, hash, log_hash, key_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
"""

# Raised in the database to make sure a transaction can only roll back.
ABORT = (
    "DO $$ BEGIN RAISE EXCEPTION 'chain records not written: "
    "the events are not recorded'; END $$"
)


def chain_table(events_table: str) -> str:
    """The chain table of an events table: ``cases_events_chain``."""
    return f"{events_table}_chain"


class ChainHasher:
    """Computes chain hashes: HMAC-SHA256 with a key, plain SHA-256 without."""

    def __init__(self, key: str | None) -> None:
        self._key = key.encode() if key else None
        # Stored beside each record so that verifying with another key says so,
        # instead of calling every event altered. Never the key itself.
        self.key_id = (
            "hmac-sha256:"
            + hmac.new(self._key, b"vatra-chain-key-id", hashlib.sha256).hexdigest()[
                :16
            ]
            if self._key
            else "sha256"
        )

    def _digest(self, *parts: bytes) -> bytes:
        # Every part is length-prefixed: no two different inputs share bytes.
        message = b"".join(struct.pack(">Q", len(p)) + p for p in parts)
        if self._key is None:
            return hashlib.sha256(message).digest()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def event_hash(
        self,
        prev_hash: bytes,
        originator_id: UUID,
        version: int,
        notification_id: int,
        topic: str,
        state: bytes,
    ) -> bytes:
        """The hash of one stored event, chained to the case's previous hash."""
        return self._digest(
            b"vatra-chain-v1",
            prev_hash,
            originator_id.bytes,
            struct.pack(">q", version),
            struct.pack(">q", notification_id),
            topic.encode(),
            state,
        )

    def log_hash(self, prev_log_hash: bytes, event_hash: bytes) -> bytes:
        """The hash of the log: every event in the order it was recorded."""
        return self._digest(b"vatra-log-v1", prev_log_hash, event_hash)


@dataclass(frozen=True)
class ChainRecord:
    """One row of the chain table."""

    seq: int
    originator_id: UUID
    originator_version: int
    notification_id: int
    prev_hash: bytes
    hash: bytes
    log_hash: bytes
    key_id: str


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
        self.sql_create_statements.append(SQL(CHAIN_DDL).format(chain=self._chain))
        self._select_heads = SQL(SELECT_HEADS).format(chain=self._chain)
        self._insert_chain = SQL(INSERT_CHAIN).format(chain=self._chain)

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

    def _write_chain(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        notification_ids: Sequence[int],
    ) -> None:
        seq, log_hash, prev_hashes = self._chain_heads(curs, stored_events)
        rows: list[tuple[Any, ...]] = []
        for event, notification_id in zip(stored_events, notification_ids, strict=True):
            originator_id = _uuid(event.originator_id)
            version = int(event.originator_version)
            prev_hash = prev_hashes.get((originator_id, version - 1))
            if prev_hash is None:
                prev_hash = GENESIS
                if version > 1:
                    # Never block a caseworker's entry over this: the gap is
                    # reported by ``vatra verify``.
                    log.warning(
                        "chain_predecessor_missing",
                        case_id=str(originator_id),
                        version=version,
                    )
            event_hash = self.hasher.event_hash(
                prev_hash,
                originator_id,
                version,
                notification_id,
                event.topic,
                event.state,
            )
            log_hash = self.hasher.log_hash(log_hash, event_hash)
            seq += 1
            prev_hashes[(originator_id, version)] = event_hash
            rows.append(
                (
                    seq,
                    originator_id,
                    version,
                    notification_id,
                    prev_hash,
                    event_hash,
                    log_hash,
                    self.hasher.key_id,
                )
            )
        # Row by row: cheaper for psycopg than unnest() of eight arrays.
        curs.executemany(self._insert_chain, rows)

    def _chain_heads(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent]
    ) -> tuple[int, bytes, dict[tuple[UUID, int], bytes]]:
        """The log chain's last seq and hash, and the hashes the events follow.

        One query (one round trip inside the table lock): the log head is the
        row without a case id.
        """
        wanted = [
            (_uuid(e.originator_id), int(e.originator_version) - 1)
            for e in stored_events
            if e.originator_version > 1
        ]
        rows = curs.execute(
            self._select_heads,
            ([w[0] for w in wanted], [w[1] for w in wanted]),
        ).fetchall()
        seq, log_hash = 0, GENESIS
        prev_hashes: dict[tuple[UUID, int], bytes] = {}
        for row in rows:
            if row["originator_id"] is None:
                seq, log_hash = int(row["originator_version"]), bytes(row["hash"])
            else:
                key = (row["originator_id"], int(row["originator_version"]))
                prev_hashes[key] = bytes(row["hash"])
        return seq, log_hash, prev_hashes

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
                    "e.notification_id FROM {events} e WHERE NOT EXISTS "
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
                        StoredEvent(
                            originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"],
                            state=bytes(row["state"]),
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
    key comes from the environment entry ``VATRA_CHAIN_KEY``.
    """

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


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
