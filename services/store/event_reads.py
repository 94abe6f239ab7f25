"""A case's stored events, read with statements rendered once.

eventsourcing's recorder composes its ``SELECT`` from ``psycopg.sql`` parts on
every read, and psycopg turns the composition into bytes again each time;
loading a case for a command paid that on every command. Here each form of
the statement (with or without ``gt``, ``lte``, ``limit``, ascending or
descending) is rendered once, and rows come as tuples, not dicts.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql
from psycopg.abc import Query
from psycopg.rows import tuple_row


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
        params: list[Any] = [originator_id]
        params.extend(p for p in (gt, lte, limit) if p is not None)
        statement = self._statement(gt is not None, lte is not None, desc, limit)
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(
                    originator_id=row[0],
                    originator_version=row[1],
                    topic=row[2],
                    state=bytes(row[3]),
                )
                for row in curs.fetchall()
            ]

    def _statement(self, gt: bool, lte: bool, desc: bool, limit: int | None) -> bytes:
        key = (gt, lte, desc, limit is not None)
        statement = self._statements.get(key)
        if statement is None:
            parts: list[sql.Composable] = [
                sql.SQL(
                    "SELECT originator_id, originator_version, topic, state "
                    "FROM {} WHERE originator_id = %s"
                ).format(self._table)
            ]
            if gt:
                parts.append(sql.SQL(" AND originator_version > %s"))
            if lte:
                parts.append(sql.SQL(" AND originator_version <= %s"))
            parts.append(sql.SQL(" ORDER BY originator_version"))
            parts.append(sql.SQL(" DESC" if desc else " ASC"))
            if limit is not None:
                parts.append(sql.SQL(" LIMIT %s"))
            statement = rendered(sql.Composed(parts))
            with self._lock:
                self._statements[key] = statement
        return statement
