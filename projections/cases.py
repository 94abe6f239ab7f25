"""The case list: one row per case, for finding a case and for the task lists.

Each row holds what a list shows and filters on: the short reference alerts
use (``VT-`` and the first 8 hex digits of the case id), the subject
reference, region, municipality, minor flag, case type, the status the
Responsible Authority determined, whether the case is closed, its owner, its
version and when it last saw work.

Each of these values is the one the ``Case`` aggregate holds: the one set by
the case's latest event that sets it (an identification, a transfer, a
correction of the identification, a status decision, a closure or a
reopening, an assignment). A row keeps, beside each value, the version of the
event that set it, and an event changes a value only if it is later than the
one that set it. So the rows come out the same whatever order the events
arrive in, and an event delivered twice changes nothing.

The owner is the worker the case was last assigned to, else the identifying
worker (as corrected). Work on the case (``last_activity_at``) is every step
recorded, except the SOP clock's warnings and breaches, which no one did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor, sql

from projections.feed import Delivered
from projections.schema import run_ddl

# Value columns, each with a "<name>_v" column: the version that set it.
VALUES = {
    "subject_ref": "text",
    "identified_at": "timestamptz",
    "region": "text",
    "municipality": "text",
    "is_minor": "boolean",
    "case_type": "text",
    "identified_by": "text",
    "assigned_to": "text",
    "status": "text",
    "closed": "boolean",
}

DDL = (
    """
CREATE TABLE IF NOT EXISTS case_list (
    case_id uuid PRIMARY KEY,
    short_id text NOT NULL,
"""
    + "".join(
        f"    {name} {kind},\n    {name}_v integer,\n" for name, kind in VALUES.items()
    )
    + """
    owner text GENERATED ALWAYS AS (COALESCE(assigned_to, identified_by)) STORED,
    version integer NOT NULL,
    last_activity_at timestamptz
);
-- Lists show identified cases only (a row whose identification has not
-- arrived yet is left out), so every index is of those rows: a count of a
-- region's or an owner's cases reads its index alone.
CREATE INDEX IF NOT EXISTS case_list_activity
    ON case_list (last_activity_at DESC, case_id) WHERE subject_ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS case_list_region_activity
    ON case_list (region, last_activity_at DESC, case_id)
    WHERE subject_ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS case_list_owner_activity
    ON case_list (owner, last_activity_at DESC, case_id)
    WHERE subject_ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS case_list_subject_ref
    ON case_list (lower(subject_ref) text_pattern_ops);
CREATE INDEX IF NOT EXISTS case_list_short_id
    ON case_list (short_id text_pattern_ops) WHERE subject_ref IS NOT NULL;
"""
)

# Events that are not work on the case: the SOP clock records them.
NOT_ACTIVITY = frozenset({"DeadlineWarning", "DeadlineBreached"})
# Fields of the identification whose correction changes the case's value.
CORRECTED = {
    "region": "region",
    "municipality": "municipality",
    "is_minor": "is_minor",
    "case_type": "case_type",
    "worker_id": "identified_by",
}


def short_id(case_id: UUID) -> str:
    """The 8 hex digits alerts name a case by, after ``VT-``."""
    return case_id.hex[:8].upper()


class CaseListProjection:
    """Builds ``case_list``."""

    name = "case_list"
    tables: tuple[str, ...] = ("case_list",)

    def create(self, conn: Connection[Any]) -> None:
        run_ddl(conn, DDL)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        rows: dict[UUID, _Row] = {}
        for item in batch:
            event = item.event
            row = rows.setdefault(event.originator_id, _Row(event.originator_id))
            row.take(item)
        if rows:
            cur.executemany(UPSERT, [row.values() for row in rows.values()])


class _Row:
    """The values one batch sets on one case, each with the version that set it."""

    def __init__(self, case_id: UUID) -> None:
        self.case_id = case_id
        self.set: dict[str, tuple[int, Any]] = {}
        self.version = 0
        self.last_activity_at: datetime | None = None

    def take(self, item: Delivered) -> None:
        event = item.event
        version = event.originator_version
        self.version = max(self.version, version)
        name = type(event).__name__
        if name not in NOT_ACTIVITY and (
            self.last_activity_at is None or event.timestamp > self.last_activity_at
        ):
            self.last_activity_at = event.timestamp
        for column, value in _values_of(name, event.occurred_at, item.payload):
            earlier = self.set.get(column)
            if earlier is None or earlier[0] < version:
                self.set[column] = (version, value)

    def values(self) -> tuple[object, ...]:
        cells: list[object] = [self.case_id, short_id(self.case_id)]
        for column in VALUES:
            version, value = self.set.get(column, (None, None))
            cells += [value, version]
        return (*cells, self.version, self.last_activity_at)


def _values_of(
    event_type: str, occurred_at: datetime, p: Mapping[str, Any]
) -> Iterator[tuple[str, Any]]:
    """The columns an event sets, and to what."""
    if event_type == "Identified":
        yield "subject_ref", p["subject_ref"]
        yield "identified_at", occurred_at
        yield "region", p["region"]
        yield "municipality", p["municipality"]
        yield "is_minor", p["is_minor"]
        yield "case_type", p["case_type"]
        yield "identified_by", p["worker_id"]
    elif event_type == "Transferred":
        yield "region", p["to_region"]
    elif event_type == "StatusDetermined":
        yield "status", p["status"]
    elif event_type in ("Closed", "Reopened"):
        yield "closed", event_type == "Closed"
    elif event_type == "CaseAssigned":
        yield "assigned_to", p["owner"]
    elif event_type == "EntryCorrected" and p["corrected_version"] == 1:
        value = json.loads(p["value"])
        if p["field"] in CORRECTED:
            yield CORRECTED[p["field"]], value
        elif p["field"] == "occurred_at":
            yield "identified_at", datetime.fromisoformat(value)


def _upsert() -> sql.Composed:
    columns = ["case_id", "short_id"]
    for name in VALUES:
        columns += [name, f"{name}_v"]
    columns += ["version", "last_activity_at"]
    # A value changes only for an event later than the one that set it.
    updates = [
        sql.SQL(
            "{v} = CASE WHEN EXCLUDED.{vv} > COALESCE(case_list.{vv}, 0) "
            "THEN EXCLUDED.{v} ELSE case_list.{v} END, "
            "{vv} = GREATEST(case_list.{vv}, EXCLUDED.{vv})"
        ).format(v=sql.Identifier(name), vv=sql.Identifier(f"{name}_v"))
        for name in VALUES
    ]
    updates += [
        sql.SQL("{c} = GREATEST(case_list.{c}, EXCLUDED.{c})").format(
            c=sql.Identifier(name)
        )
        for name in ("version", "last_activity_at")
    ]
    return sql.SQL(
        "INSERT INTO case_list ({columns}) VALUES ({values}) "
        "ON CONFLICT (case_id) DO UPDATE SET {updates}"
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        updates=sql.SQL(", ").join(updates),
    )


UPSERT = _upsert()
