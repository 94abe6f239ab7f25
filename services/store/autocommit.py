"""A pooled connection on which each statement commits on its own.

In a transaction psycopg sends ``BEGIN`` before the first statement and
``COMMIT`` after the last, each waiting for the server: two round trips more
than a single statement needs. A read of one statement, or a write that one
statement makes whole, runs here in autocommit mode instead; with
``synchronous_commit`` on, PostgreSQL answers a statement that wrote only
once its commit is on disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool


@contextlib.contextmanager
def autocommitted(pool: ConnectionPool[Any]) -> Iterator[Connection[Any]]:
    """A connection of ``pool`` in autocommit mode for the block; given back
    as the pool hands them out (not in autocommit)."""
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            yield conn
        finally:
            # A broken connection is discarded by the pool whatever its mode.
            with contextlib.suppress(psycopg.Error):
                conn.autocommit = False
