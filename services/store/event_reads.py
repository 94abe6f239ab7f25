"""A case's stored events, read with statements rendered once.

eventsourcing's recorder composes its ``SELECT`` from ``psycopg.sql`` parts on
every read, and psycopg turns the composition into bytes again each time;
loading a case for a command paid that on every command. Here each form of
the statement (with or without ``gt``, ``lte``, ``limit``, ascending or
descending) is rendered once, prepared once per connection and sent through
libpq (``services.store.libpq_pipeline``, as the event write is), its rows
read in PostgreSQL's binary form.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg import Connection, sql
from psycopg.abc import Query
from psycopg.pq.abc import PGresult

from services.store.libpq_pipeline import Pipeline


def rendered(statement: Query) -> bytes:
    """``statement`` as the bytes psycopg sends (identifiers quoted, UTF-8)."""
    if isinstance(statement, sql.Composable):
        return statement.as_bytes(None)
    if isinstance(statement, str):
        return statement.encode()
    if isinstance(statement, bytes):
        return statement
    raise TypeError(f"cannot render {type(statement).__name__} once for all")


class EventReads:
    """Selects the stored events of one aggregate from an events table."""

    def __init__(self, datastore: PostgresDatastore, events_table_name: str) -> None:
        self.datastore = datastore
        self._table = sql.Identifier(datastore.schema, events_table_name)
        self._statements: dict[tuple[bool, bool, bool, bool], bytes] = {}
        # The type of the case ids: uuid, unless configured as text.
        self._uuids = datastore.originator_id_type.lower() == "uuid"
        self._lock = threading.Lock()

    def select(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        """The events with ``gt < version <= lte``, in version order
        (descending with ``desc``), at most ``limit``."""
        params: list[Any] = [self._id(originator_id)]
        params.extend(p for p in (gt, lte, limit) if p is not None)
        statement = self._statement(gt is not None, lte is not None, desc, limit)
        with self.datastore.get_connection() as conn:
            try:
                result = _select(conn, statement, params)
            except psycopg.errors.InvalidSqlStatementName:
                # The session's prepared statements were dropped: prepared
                # again (``services.store.event_writes`` says when).
                result = _select(conn, statement, params)
            ids = self._uuids
            return [
                StoredEvent(
                    originator_id=(
                        UUID(bytes=_value(result, i, 0))
                        if ids
                        else _value(result, i, 0).decode()
                    ),
                    originator_version=int.from_bytes(
                        _value(result, i, 1), "big", signed=True
                    ),
                    topic=_value(result, i, 2).decode(),
                    state=_value(result, i, 3),
                )
                for i in range(result.ntuples)
            ]

    def _id(self, originator_id: UUID | str) -> UUID | str:
        if not self._uuids:
            return str(originator_id)
        if isinstance(originator_id, UUID):
            return originator_id
        return UUID(str(originator_id))

    def _statement(self, gt: bool, lte: bool, desc: bool, limit: int | None) -> bytes:
        key = (gt, lte, desc, limit is not None)
        statement = self._statements.get(key)
        if statement is None:
            parts: list[sql.Composable] = [
                sql.SQL(
                    "SELECT originator_id, originator_version, topic, state "
                    "FROM {} WHERE originator_id = %b"
                ).format(self._table)
            ]
            if gt:
                parts.append(sql.SQL(" AND originator_version > %b"))
            if lte:
                parts.append(sql.SQL(" AND originator_version <= %b"))
            parts.append(sql.SQL(" ORDER BY originator_version"))
            parts.append(sql.SQL(" DESC" if desc else " ASC"))
            if limit is not None:
                parts.append(sql.SQL(" LIMIT %b"))
            statement = rendered(sql.Composed(parts))
            with self._lock:
                self._statements[key] = statement
        return statement


def _select(conn: Connection[Any], statement: bytes, params: list[Any]) -> PGresult:
    with conn.lock, Pipeline(conn) as pipeline:
        pipeline.send(statement, params, binary=True)
        (result,) = pipeline.sync()
    return result


def _value(result: PGresult, row: int, column: int) -> bytes:
    value = result.get_value(row, column)
    assert value is not None, "the columns read are not null"
    return bytes(value)
