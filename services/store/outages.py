"""Telling a database outage from a bad message.

A worker that fails to apply a message must know why: if the message itself
cannot be processed, it is dead-lettered and the rest flow on; if PostgreSQL
cannot take the write (gone, restarting, read-only, out of disk), every
message would fail the same way, so none may be dead-lettered or skipped: the
worker waits and tries again from its stored position.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from eventsourcing import persistence

# SQLSTATE classes and codes that say "the database cannot do it now",
# whatever the statement: connection exception, insufficient resources (disk
# full, out of memory, too many connections), operator intervention (shut
# down, starting up), system error (I/O); a read-only transaction; and the
# conflicts a retry resolves (serialization failure, deadlock, lock timeout).
_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57", "58"})
_UNAVAILABLE_CODES = frozenset({"25006", "40001", "40P01", "55P03"})


# The errors that may be an outage (``is_database_outage`` tells): psycopg's
# own, and the eventsourcing library's wrapping of them.
DATABASE_ERRORS = (psycopg.Error, persistence.PersistenceError)


def is_database_outage(error: BaseException) -> bool:
    """True if ``error`` (or what caused it) means PostgreSQL is unavailable."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, psycopg.Error):
            state = current.sqlstate
            if state is None:
                # Raised by the client: the connection broke, or the pool
                # (PoolTimeout is an OperationalError) has none to give.
                return isinstance(
                    current, psycopg.OperationalError | psycopg.InterfaceError
                )
            return state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_CODES
        if isinstance(
            current, persistence.OperationalError | persistence.InterfaceError
        ) and not isinstance(current.__cause__, psycopg.Error):
            return True
        current = current.__cause__ or current.__context__
    return False


@contextmanager
def refused_as_events_are() -> Iterator[None]:
    """Turn an outage of PostgreSQL during a write beside the events (the
    person's attributes, typed text) into the refusal a refused event gets
    (``eventsourcing``'s ``OperationalError``, with PostgreSQL's own reason,
    e.g. "No space left on device"), so every caller (the API, the CLI, the
    retries) treats the two writes alike. An outage's message names the
    server and the file, never a value written."""
    try:
        yield
    except psycopg.Error as error:
        if not is_database_outage(error):
            raise
        primary = error.diag.message_primary if error.sqlstate else None
        reason = primary or str(error).strip() or type(error).__name__
        raise persistence.OperationalError(reason) from error
