"""The pools' check before lending a connection: no round trip for a live
idle connection, and a connection the server ended is replaced, not lent."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.utils import Environment
from psycopg_pool import ConnectionPool

from services.store.database import Database
from services.store.event_chain import ChainedPostgresFactory


def _backend(pool: ConnectionPool[Any]) -> int:
    """The server session of the connection lent, which answers."""
    with pool.connection() as conn:
        conn.execute("SELECT 1")
        return int(conn.info.backend_pid)


def _pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pinged: list[object] = []
    ping = ConnectionPool.check_connection

    def counted(conn: Any) -> None:
        pinged.append(conn)
        ping(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return pinged


@pytest.fixture
def pool(database: Database) -> Iterator[ConnectionPool[Any]]:
    one = database.pool("liveness", max_size=1)
    yield one
    one.close()


def test_a_live_idle_connection_is_lent_without_a_round_trip(
    pool: ConnectionPool[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(pool)
    pinged = _pings(monkeypatch)

    assert _backend(pool) == first
    assert pinged == []


def test_a_connection_the_server_ended_is_replaced_before_it_is_lent(
    database: Database, pool: ConnectionPool[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ended = _backend(pool)
    _terminate(database, ended)
    pinged = _pings(monkeypatch)

    # Lent a working connection: the check found the ended one and pinged
    # it, the ping failed, and the pool opened another.
    assert _backend(pool) != ended
    assert len(pinged) == 1


def test_the_event_store_pool_replaces_a_connection_the_server_ended(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = dataclasses.replace(database, pool_size=1)
    factory = ChainedPostgresFactory(Environment("stored", one.eventsourcing_env()))
    pool = factory.datastore.pool
    pool.open(wait=True)
    try:
        first = _backend(pool)
        pinged = _pings(monkeypatch)
        assert _backend(pool) == first
        assert pinged == []

        _terminate(database, first)
        assert _backend(pool) != first
        assert len(pinged) == 1
    finally:
        factory.datastore.close()


def _terminate(database: Database, pid: int) -> None:
    """End a session from the server side and wait until it is gone."""
    with psycopg.connect(database.conninfo(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone():
            assert time.monotonic() < deadline, f"session {pid} did not end"
            time.sleep(0.01)
