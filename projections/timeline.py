"""The case timeline: every event of a case in order, with who, when and a line.

Rows are keyed by (case id, version), so an event delivered twice is written
once (``projections.copying``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor
from psycopg.rows import dict_row

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
);
-- One entry of the API's answer, in UTC ISO 8601 whatever the session's time
-- zone: deterministic, so PostgreSQL may store it beside the row.
CREATE OR REPLACE FUNCTION vatra_timeline_entry(
    version integer, event_type text, occurred_at timestamptz,
    recorded_at timestamptz, actor_id text, actor_role text,
    correlation_id text, summary text, details jsonb
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'version', version,
        'event_type', event_type,
        'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'recorded_at', to_char(recorded_at AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actor_id', actor_id,
        'actor_role', actor_role,
        'correlation_id', correlation_id,
        'summary', summary,
        'details', details)::text
$$;
ALTER TABLE case_timeline ADD COLUMN IF NOT EXISTS entry text
    GENERATED ALWAYS AS (vatra_timeline_entry(
        version, event_type, occurred_at, recorded_at, actor_id, actor_role,
        correlation_id, summary, details)) STORED;
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
        summary_of(event, item.payload),
        item.payload_json,
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


# The API's answer: each row's entry is written once, when the row is, so a
# read only joins them (decoding every entry into Python and encoding it again
# took longer than everything else a read does: bench/RESULTS.md).
TIMELINE_ENTRIES = "SELECT entry FROM case_timeline WHERE case_id = %s ORDER BY version"


def timeline_json(conn: Connection[Any], case_id: UUID) -> bytes:
    """One case's timeline as a JSON array, oldest first, ready to send."""
    entries = conn.execute(TIMELINE_ENTRIES, (case_id,)).fetchall()
    return ("[" + ",".join([entry for (entry,) in entries]) + "]").encode()
