"""One write of events and their chain records, in two round trips to PostgreSQL.

eventsourcing's recorder writes a group of events in one transaction through
psycopg's pipeline mode, but waits for the server four times: after the
insert, for the chain's heads, for COMMIT, and once more when the pipeline
ends. Here the transaction is sent in two parts, each answered once:

1. ``BEGIN``, the transaction's timeouts and its notification (one
   ``SELECT`` of ``set_config`` and ``pg_notify``: a statement costs more
   than its parts), the events table's lock, the events' ``INSERT ...
   RETURNING notification_id`` and the chain's heads (``SELECT``), all queued
   and sent with one sync: the heads are read after the lock, so no other
   writer can move them;
2. the chain records, hashed in Python from the notification ids and the
   heads, and ``COMMIT``, sent with a second sync.

The statements go through libpq's pipeline directly
(``services.store.libpq_pipeline``), not through psycopg's cursors.

``COMMIT`` is queued only once every chain record is computed and queued
behind the events: an error anywhere (a uniqueness violation in the first
part or an event the insert left out, as following no version the store
holds; a hashing error between the two; a failed chain insert in the second)
leaves the transaction to be rolled back, never committed half-written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import Connection
from psycopg.pq import TransactionStatus
from psycopg.pq.abc import PGresult
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

from services.store.libpq_pipeline import Pipeline

# The chain records of the events, from their notification ids and the heads.
ChainRows = Callable[
    [Sequence[StoredEvent], Sequence[int], Sequence[DictRow]], list[tuple[Any, ...]]
]


def setup_statements(
    *, statement_timeout: int, lock_timeout: int, table: Identifier, channel: str
) -> list[bytes]:
    """The statements after ``BEGIN`` and before the insert, rendered: the
    transaction's own timeouts (in seconds; a statement timeout of 0: none
    set) and its notification on ``channel``, then the lock of ``table``.

    What eventsourcing's insert runs as ``SET LOCAL`` statements and
    ``NOTIFY``; the timeouts are set before the lock, so that they bound it.
    """
    settings = [
        SQL("set_config('lock_timeout', {0}, true)").format(Literal(f"{lock_timeout}s"))
    ]
    if statement_timeout > 0:
        # For this transaction only: a write that runs away is ended instead
        # of holding every writer's lock, while maintenance on other sessions
        # keeps its own (no) limit.
        settings.insert(
            0,
            SQL("set_config('statement_timeout', {0}, true)").format(
                Literal(f"{statement_timeout}s")
            ),
        )
    notify = SQL("pg_notify({0}, '')").format(Literal(channel))
    return [
        SQL("SELECT {0}").format(SQL(", ").join([*settings, notify])).as_bytes(None),
        SQL("LOCK TABLE {0} IN EXCLUSIVE MODE").format(table).as_bytes(None),
    ]


def write_in_two_trips(
    conn: Connection[DictRow],
    *,
    setup: Sequence[bytes],
    insert_events: tuple[bytes, Any],
    select_heads: tuple[bytes, Any],
    insert_chain: bytes,
    chain_rows: ChainRows,
    stored_events: Sequence[StoredEvent],
) -> list[int]:
    """Write ``stored_events`` and their chain records in one transaction on
    ``conn`` (in autocommit mode, as eventsourcing's pool hands it out);
    return the events' notification ids.

    ``setup``: the statements run after ``BEGIN`` and before the insert (the
    timeouts, the table lock, ``NOTIFY``). Every statement comes rendered to
    bytes once, and sent through libpq (``services.store.libpq_pipeline``).
    Raises what psycopg would raise, the transaction rolled back.
    """
    assert conn.autocommit, "the transaction is begun and committed here"
    write = partial(
        _write,
        conn,
        setup=setup,
        insert_events=insert_events,
        select_heads=select_heads,
        insert_chain=insert_chain,
        chain_rows=chain_rows,
        stored_events=stored_events,
    )
    try:
        return write()
    except psycopg.errors.InvalidSqlStatementName:
        # psycopg deallocates every statement prepared on a connection after
        # it ran a ROLLBACK, DROP or ALTER of its own there: the write's first
        # statement then failed and nothing ran. Prepared again, once.
        return write()


def _write(
    conn: Connection[DictRow],
    *,
    setup: Sequence[bytes],
    insert_events: tuple[bytes, Any],
    select_heads: tuple[bytes, Any],
    insert_chain: bytes,
    chain_rows: ChainRows,
    stored_events: Sequence[StoredEvent],
) -> list[int]:
    try:
        with conn.lock, Pipeline(conn) as pipeline:
            pipeline.send(b"BEGIN")
            for statement in setup:
                pipeline.send(statement)
            pipeline.send(*insert_events)
            pipeline.send(*select_heads, binary=True)
            # The first round trip; a version taken by another writer is
            # raised here (an IntegrityError).
            *_, inserted, heads = pipeline.sync()
            ids = [int(inserted.get_value(i, 0) or 0) for i in range(inserted.ntuples)]
            if len(ids) != len(stored_events):
                # The insert left out an event that follows no version the
                # store holds (``event_chain_sql.INSERT_EVENTS``).
                raise psycopg.IntegrityError(
                    f"{len(stored_events) - len(ids)} of {len(stored_events)} "
                    "events follow a version the store does not hold"
                )
            rows = chain_rows(stored_events, ids, _heads(heads))
            # Row by row: cheaper to dump than unnest() of eight arrays.
            for row in rows:
                pipeline.send(insert_chain, row)
            pipeline.send(b"COMMIT")
            # The second round trip.
            pipeline.sync()
    except BaseException:
        _roll_back(conn)
        raise
    return ids


def _heads(result: PGresult) -> list[dict[str, Any]]:
    """``SELECT_HEADS``'s rows (case id, version, hash), from their binary form."""
    heads = []
    for i in range(result.ntuples):
        case_id, version, hash_ = (result.get_value(i, j) for j in range(3))
        assert version is not None
        assert hash_ is not None
        heads.append(
            {
                "originator_id": None if case_id is None else UUID(bytes=case_id),
                "originator_version": int.from_bytes(version, "big", signed=True),
                "hash": bytes(hash_),
            }
        )
    return heads


def _roll_back(conn: Connection[DictRow]) -> None:
    """End a transaction an error interrupted; a broken connection is left to
    the pool, which discards it (the server rolled the transaction back).

    Through libpq, not psycopg: after a ROLLBACK of its own psycopg drops
    every statement prepared on the connection, the write's too."""
    if not conn.closed and conn.info.transaction_status in (
        TransactionStatus.INTRANS,
        TransactionStatus.INERROR,
    ):
        with contextlib.suppress(psycopg.Error):
            conn.pgconn.exec_(b"ROLLBACK")
