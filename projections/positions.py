"""Where each follower of the notification log has got to.

The position is written in the same transaction as the read-model rows it
accounts for, so after a crash a follower resumes exactly where its last
committed batch ended.
"""

from __future__ import annotations

from typing import Any

from psycopg import Connection, Cursor

from projections.schema import run_ddl

DDL = """
CREATE TABLE IF NOT EXISTS vatra_positions (
    consumer text PRIMARY KEY,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


def create(conn: Connection[Any]) -> None:
    run_ddl(conn, DDL)


def read(cur: Cursor[Any], consumer: str) -> int:
    """The last position ``consumer`` committed (0 before the first event)."""
    row = cur.execute(
        "SELECT position FROM vatra_positions WHERE consumer = %s", (consumer,)
    ).fetchone()
    return int(str(row[0])) if row else 0


def advance(cur: Cursor[Any], consumer: str, position: int) -> None:
    """Record ``position``; never moves backwards."""
    cur.execute(
        """
        INSERT INTO vatra_positions (consumer, position) VALUES (%s, %s)
        ON CONFLICT (consumer) DO UPDATE
            SET position = GREATEST(vatra_positions.position, EXCLUDED.position),
                updated_at = now()
        """,
        (consumer, position),
    )


def reset(cur: Cursor[Any], consumer: str) -> None:
    cur.execute("DELETE FROM vatra_positions WHERE consumer = %s", (consumer,))
