"""Writing a batch of read-model rows with COPY, idempotently.

COPY is much faster than row-by-row inserts (bench/RESULTS.md), but it cannot
skip a row that is already there. Redeliveries are rare (a relay re-sending a
tail, a consumer re-reading after a rebalance), so a batch is first copied
inside a savepoint; if any of its rows is already present the savepoint is
rolled back and the batch is inserted row by row with ``ON CONFLICT DO
NOTHING``. Either way the table ends up with each key once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, errors, sql


def copy_rows(
    cur: Cursor[Any],
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Append ``rows`` to ``table``; the caller knows no key is already there."""
    if not rows:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def insert_new_rows(
    cur: Cursor[Any],
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert ``rows`` into ``table``, skipping any whose key is already there."""
    if not rows:
        return
    try:
        with cur.connection.transaction():
            copy_rows(cur, table, columns, rows)
    except errors.UniqueViolation:
        cur.executemany(
            sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            ),
            rows,
        )
