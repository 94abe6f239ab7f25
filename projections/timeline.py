"""The case timeline: every event of a case in order, with who, when and a line.

Rows are keyed by (case id, version), so an event delivered twice is written
once (``projections.copying``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from domain.events import payload_of
from projections.copying import insert_new_rows
from projections.feed import Delivered
from projections.schema import run_ddl
from projections.summaries import summary_of

DDL = """
CREATE TABLE IF NOT EXISTS case_timeline (
    case_id uuid NOT NULL,
    version integer NOT NULL,
    position bigint NOT NULL,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor_id text NOT NULL,
    actor_role text NOT NULL,
    correlation_id text NOT NULL,
    summary text NOT NULL,
    details jsonb NOT NULL,
    PRIMARY KEY (case_id, version)
)
"""

COLUMNS = (
    "case_id",
    "version",
    "position",
    "event_type",
    "occurred_at",
    "recorded_at",
    "actor_id",
    "actor_role",
    "correlation_id",
    "summary",
    "details",
)


class TimelineProjection:
    """Builds ``case_timeline``."""

    name = "case_timeline"
    tables: tuple[str, ...] = ("case_timeline",)

    def create(self, conn: Connection[Any]) -> None:
        run_ddl(conn, DDL)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        insert_new_rows(cur, "case_timeline", COLUMNS, [_row(item) for item in batch])


def _row(item: Delivered) -> tuple[object, ...]:
    event = item.event
    return (
        event.originator_id,
        event.originator_version,
        item.position,
        type(event).__name__,
        event.occurred_at,
        event.timestamp,
        event.actor_id,
        event.actor_role,
        event.correlation_id,
        summary_of(event),
        Jsonb(
            {
                k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in payload_of(event).items()
            }
        ),
    )


def timeline(conn: Connection[Any], case_id: UUID) -> list[dict[str, Any]]:
    """The rows of one case's timeline, oldest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """
            SELECT version, position, event_type, occurred_at, recorded_at,
                   actor_id, actor_role, correlation_id, summary, details
            FROM case_timeline WHERE case_id = %s ORDER BY version
            """,
            (case_id,),
        ).fetchall()
