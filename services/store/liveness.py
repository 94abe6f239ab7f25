"""The check a connection pool runs before it lends a connection: a round trip
to PostgreSQL only when the connection may be dead.

A connection the server has closed (a restart, a terminated backend, a
session timeout) has the server's last message, or the end of the stream,
waiting on its socket; a live idle connection has nothing to read. So the
check looks at the socket first (one system call, no round trip) and pings
only a connection with something waiting on it, or not idle: the ping then
decides, as it did for every connection before (it raises for a dead one,
and the pool opens another). A connection cut without a word (no packet
from the server) is found by its first statement, as the ping would find
it.

A command or a timeline read checks out two or three connections; each ping
cost a round trip and about 21 µs of Python.
"""

from __future__ import annotations

import select
from typing import Any

from psycopg import Connection
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool


def check_connection(conn: Connection[Any]) -> None:
    """Raise if ``conn`` is dead; a round trip only if it may be."""
    idle = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
    if not idle or _something_waiting(conn):
        ConnectionPool.check_connection(conn)


def _something_waiting(conn: Connection[Any]) -> bool:
    try:
        ready, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)
