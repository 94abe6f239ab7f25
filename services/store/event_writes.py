"""One write of events and their chain records, in two round trips to PostgreSQL.

eventsourcing's recorder writes a group of events in one transaction through
psycopg's pipeline mode, but waits for the server four times: after the
insert, for the chain's heads, for COMMIT, and once more when the pipeline
ends. Here the transaction is sent in two parts, each answered once:

1. ``BEGIN``, the transaction's timeouts and its notification (one
   ``SELECT`` of ``set_config`` and ``pg_notify``: a statement costs psycopg
   more than its parts), the events table's lock, the events' ``INSERT ...
   RETURNING notification_id`` and the chain's heads (``SELECT``), all queued
   and sent with one sync: the heads are read after the lock, so no other
   writer can move them;
2. the chain records, hashed in Python from the notification ids and the
   heads, and ``COMMIT``, sent with the pipeline's closing sync.

``COMMIT`` is queued only once every chain record is computed and queued
behind the events: an error anywhere (a uniqueness violation in the first
part, a hashing error between the two, a failed chain insert in the second)
leaves the transaction to be rolled back, never committed half-written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import Connection
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

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
    bytes once, so psycopg does not compose it again on each write. Raises
    what psycopg raised, the transaction rolled back.
    """
    assert conn.autocommit, "the transaction is begun and committed here"
    try:
        with conn.pipeline() as pipeline:
            with conn.cursor() as first:
                first.execute("BEGIN")
                for statement in setup:
                    first.execute(statement, prepare=True)
            with conn.cursor() as inserted, conn.cursor() as heads:
                inserted.execute(*insert_events, prepare=True)
                heads.execute(*select_heads, prepare=True)
                # The first round trip; a version taken by another writer
                # is raised here (an IntegrityError).
                pipeline.sync()
                ids = [int(row["notification_id"]) for row in inserted.fetchall()]
                if len(ids) != len(stored_events):
                    raise psycopg.ProgrammingError(
                        f"got {len(ids)} notification ids for "
                        f"{len(stored_events)} events"
                    )
                rows = chain_rows(stored_events, ids, heads.fetchall())
            with conn.cursor() as second:
                # Row by row: cheaper for psycopg than unnest() of eight arrays.
                second.executemany(insert_chain, rows)
                second.execute("COMMIT")
        # The pipeline's closing sync was the second round trip.
    except BaseException:
        _roll_back(conn)
        raise
    return ids


def _roll_back(conn: Connection[DictRow]) -> None:
    """End a transaction an error interrupted; a broken connection is left to
    the pool, which discards it (the server rolled the transaction back)."""
    if conn.info.transaction_status in (
        TransactionStatus.INTRANS,
        TransactionStatus.INERROR,
    ):
        with contextlib.suppress(psycopg.Error):
            conn.execute("ROLLBACK")
