"""``vatra rebuild`` with proof: a checksum of every read-model table before and after.

A read model can always be dropped and rebuilt from the events; this shows
that the rebuilt one equals the one it replaced. Each table's checksum is
computed in PostgreSQL: the md5 of the md5 of every row's text, in primary-key
order, with the row count beside it. Equal checksums mean equal rows. A table
that differs after a rebuild was not what the events say (a projection changed,
or someone edited the table); the report names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from services.render import table
from services.store.moved_texts import scrub_read_models
from services.workers.follower import LogFollower


@dataclass(frozen=True)
class TableChecksum:
    """A table's row count and checksum; ``md5`` is None if the table is absent."""

    table: str
    rows: int
    md5: str | None


@dataclass(frozen=True)
class RebuildReport:
    applied: int
    before: list[TableChecksum]
    after: list[TableChecksum]

    @property
    def identical(self) -> bool:
        return self.before == self.after


def read_model_tables(follower: LogFollower) -> list[str]:
    """Every table the follower's projections own."""
    return [t for p in follower.projections for t in p.tables]


def checksums(conn: Connection[Any], tables: Sequence[str]) -> list[TableChecksum]:
    """The row count and md5 of each of ``tables``, in key order."""
    return [_checksum(conn, name) for name in tables]


def _checksum(conn: Connection[Any], name: str) -> TableChecksum:
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
    if not exists or not exists[0]:
        return TableChecksum(name, 0, None)
    keys = [
        row[0]
        for row in conn.execute(
            """
            SELECT a.attname FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = to_regclass(%s) AND i.indisprimary
            ORDER BY array_position(i.indkey::int2[], a.attnum)
            """,
            (name,),
        )
    ]
    # Without a primary key the whole row is the order: still deterministic.
    order = (
        SQL(", ").join(SQL("t.{}").format(Identifier(k)) for k in keys)
        if keys
        else SQL("t::text")
    )
    row = conn.execute(
        SQL(
            "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY {}), "
            "'')) FROM {} AS t"
        ).format(order, Identifier(name))
    ).fetchone()
    assert row is not None
    return TableChecksum(name, int(row[0]), str(row[1]))


def rebuild_with_checksums(
    follower: LogFollower,
    pool: ConnectionPool,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Checksum the read models, rebuild them from the events, checksum again."""
    tables = read_model_tables(follower)
    with pool.connection() as conn:
        before = checksums(conn, tables)
    applied = follower.rebuild(progress=progress)
    with pool.connection() as conn:
        with conn.transaction():
            # Text moved out of old events stays out of the rebuilt models.
            scrub_read_models(conn)
        after = checksums(conn, tables)
    return RebuildReport(applied, before, after)


def rebuild_report(report: RebuildReport) -> str:
    """The before/after table, and one line saying whether they are equal."""
    rows = []
    for old, new in zip(report.before, report.after, strict=True):
        rows.append(
            (
                old.table,
                old.rows if old.md5 else "-",
                new.rows,
                old.md5 or "(absent)",
                new.md5 or "(absent)",
                "same" if old == new else "DIFFERENT",
            )
        )
    body = table(
        ["table", "rows before", "rows after", "md5 before", "md5 after", ""], rows
    )
    verdict = (
        "Every read model is identical to the one it replaced."
        if report.identical
        else "Some read models differ from the ones they replaced (marked DIFFERENT):"
        " they did not match the events (a changed projection, or an edit)."
    )
    return f"Read models rebuilt from {report.applied} events.\n\n{body}\n\n{verdict}"
