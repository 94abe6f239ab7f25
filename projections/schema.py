"""Creating tables safely when several workers start at once.

``CREATE TABLE IF NOT EXISTS`` is not safe against a concurrent twin: two
processes (or two runners in one process) creating the same table at the same
moment can both pass the existence check, and one fails on the catalogue's
unique index. Every piece of DDL therefore runs in a transaction holding one
advisory lock, so creations happen one after another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import Connection

# An arbitrary constant naming "Vatra Backbone DDL" among advisory locks.
DDL_LOCK = 0x7A7A_0DD1


@contextmanager
def ddl_lock(conn: Connection[Any]) -> Iterator[None]:
    """A transaction holding the DDL lock until it ends."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        yield


def run_ddl(conn: Connection[Any], ddl: str) -> None:
    """Run ``ddl`` (one or more statements) under the DDL lock."""
    with ddl_lock(conn):
        conn.execute(ddl)
