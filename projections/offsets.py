"""Kafka offsets of a consumer group, kept in PostgreSQL beside the read models.

The next offset to read is written in the same transaction as the rows it
accounts for; when partitions are assigned, the consumer seeks to these
offsets, so the read models and the offsets can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Connection, Cursor

from projections.schema import run_ddl

DDL = """
CREATE TABLE IF NOT EXISTS vatra_offsets (
    consumer_group text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    next_offset bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
)
"""


def create(conn: Connection[Any]) -> None:
    run_ddl(conn, DDL)


def read(
    cur: Cursor[Any], group: str, topic: str, partitions: Iterable[int]
) -> dict[int, int]:
    """The stored next offset of each of ``partitions`` that has one."""
    rows = cur.execute(
        """
        SELECT partition, next_offset FROM vatra_offsets
        WHERE consumer_group = %s AND topic = %s AND partition = ANY(%s)
        """,
        (group, topic, list(partitions)),
    ).fetchall()
    return {int(p): int(o) for p, o in rows}


def advance(
    cur: Cursor[Any], group: str, topic: str, partition: int, next_offset: int
) -> None:
    """Record ``next_offset``; never moves backwards."""
    cur.execute(
        """
        INSERT INTO vatra_offsets (consumer_group, topic, partition, next_offset)
        VALUES (%s, %s, %s, %s)
        ON CONFLICT (consumer_group, topic, partition) DO UPDATE
            SET next_offset = GREATEST(vatra_offsets.next_offset,
                                       EXCLUDED.next_offset),
                updated_at = now()
        """,
        (group, topic, partition, next_offset),
    )
