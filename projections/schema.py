"""Creating tables safely when several workers start at once.

``CREATE TABLE IF NOT EXISTS`` is not safe against a concurrent twin: two
processes (or two runners in one process) creating the same table at the same
moment can both pass the existence check, and one fails on the catalogue's
unique index. Every piece of DDL therefore runs in a transaction holding one
advisory lock, so creations happen one after another.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import Connection, errors

# An arbitrary constant naming "Vatra Backbone DDL" among advisory locks.
DDL_LOCK = 0x7A7A_0DD1
# How often a read model's creation is tried when it is a deadlock's victim.
DDL_ATTEMPTS = 5


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


def create_retrying(
    conn: Connection[Any], create: Callable[[Connection[Any]], None]
) -> None:
    """Run ``create`` (a read model's DDL, which may be run any number of
    times), again if PostgreSQL ended it as the victim of a deadlock.

    A worker that starts while another projects takes its tables' locks in
    another order: ``CREATE INDEX IF NOT EXISTS`` takes a share lock on a
    table even when the index is there, and a batch holds row locks on the
    statistics' tables that its triggers write, one after the other. The
    deadlock ends one of the two transactions, each of which may simply run
    again; the worker must not stop for it.
    """
    for attempt in range(1, DDL_ATTEMPTS + 1):
        try:
            create(conn)
            return
        except errors.DeadlockDetected:
            if attempt == DDL_ATTEMPTS:
                raise
            time.sleep(0.05 * 2**attempt)
