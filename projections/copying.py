"""Writing a batch of read-model rows with COPY, idempotently.

COPY is much faster than row-by-row inserts (bench/RESULTS.md), but it cannot
skip a row that is already there. Redeliveries are rare (a relay re-sending a
tail, a consumer re-reading after a rebalance), so a batch is first copied
inside a savepoint; if any of its rows is already present the savepoint is
rolled back and the batch is inserted row by row with ``ON CONFLICT DO
NOTHING``. Either way the table ends up with each key once.

Rows are copied in PostgreSQL's binary format, each column with the dumper of
its type as the table declares it (looked up once per table and kept): it
formats a row in about a third of the time the text format takes, most of it
spent writing timestamps as text (bench/RESULTS.md). A ``jsonb`` column takes
JSON already encoded (a ``str``), as the text format did, or any value
``json`` can encode.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, errors, postgres, sql
from psycopg.abc import Buffer
from psycopg.adapt import Dumper
from psycopg.pq import Format


def copy_rows(
    cur: Cursor[Any],
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Append ``rows`` to ``table``; the caller knows no key is already there."""
    if not rows:
        return
    types = _column_types(cur, table, tuple(columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    # Only a COPY whose types are set looks dumpers up by type: the cursor's
    # other statements keep their own.
    cur.adapters.register_dumper(None, _JsonbAsGiven)
    with cur.copy(statement) as copy:
        copy.set_types(types)
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


class _JsonbAsGiven(Dumper):
    """A ``jsonb`` value in binary: a ``str`` is JSON already, anything else is
    encoded. (psycopg's own dumper would encode a ``str`` as a JSON string.)"""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: Any) -> Buffer:
        text = obj if isinstance(obj, str) else json.dumps(obj)
        return b"\x01" + text.encode()  # jsonb's binary format version 1


# Kept for the process: a table's columns keep their types (an upgrade only
# adds columns). Two threads may both look a table up the first time.
_TYPES: dict[tuple[str, tuple[str, ...]], list[str]] = {}


def _column_types(cur: Cursor[Any], table: str, columns: tuple[str, ...]) -> list[str]:
    """The declared type of each of ``columns`` of ``table``, looked up once."""
    key = (table, columns)
    known = _TYPES.get(key)
    if known is not None:
        return known
    declared = dict(
        cur.execute(
            """
            SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped
            """,
            (table,),
        ).fetchall()
    )
    missing = [name for name in columns if name not in declared]
    if missing:
        raise LookupError(f"{table} has no column {', '.join(missing)}")
    types = [str(declared[name]) for name in columns]
    _TYPES[key] = types
    return types
