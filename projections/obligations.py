"""SOP obligations: one row per obligation a case's events gave rise to.

The projection keeps each case's events as facts (``sop_case_facts``) and, for
every case a batch touches, recomputes that case's obligations with the pure
rule model of ``domain.sop``. Recomputing from all the case's facts makes
corrections, reopened cases and redelivered events come out right, and makes
a rebuild give the same rows. Obligations are pinned to the rule-set version
in force when their trigger was recorded.

Rows hold what the events say; what depends on the time of reading (an open
obligation past its deadline is overdue) is judged by the queries with "now".
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
from domain.facts import CaseFact
from domain.sop import Obligation, RuleBook, WorkingCalendar, obligations_of
from projections.feed import Delivered

DDL = """
CREATE TABLE IF NOT EXISTS sop_case_facts (
    case_id uuid NOT NULL,
    version integer NOT NULL,
    type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    attributes jsonb NOT NULL,
    PRIMARY KEY (case_id, version)
);
CREATE TABLE IF NOT EXISTS sop_obligations (
    case_id uuid NOT NULL,
    obligation_id text NOT NULL,
    rule_id text NOT NULL,
    ruleset_version text NOT NULL,
    kind text NOT NULL,
    region text NOT NULL,
    is_minor boolean NOT NULL,
    trigger_version integer NOT NULL,
    trigger_type text NOT NULL,
    triggered_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    warn_at timestamptz,
    status text NOT NULL,
    met_at timestamptz,
    met_by_version integer,
    met_recorded_at timestamptz,
    breached_at timestamptz,
    notify_on_breach text[] NOT NULL,
    PRIMARY KEY (case_id, obligation_id)
);
CREATE INDEX IF NOT EXISTS sop_obligations_due_at ON sop_obligations (due_at);
CREATE INDEX IF NOT EXISTS sop_obligations_open_due_at ON sop_obligations (due_at)
    WHERE status IN ('open', 'warning');
"""

INSERT_FACT = """
INSERT INTO sop_case_facts (
    case_id, version, type, occurred_at, recorded_at, attributes
)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (case_id, version) DO NOTHING
"""

INSERT_OBLIGATION = """
INSERT INTO sop_obligations (
    case_id, obligation_id, rule_id, ruleset_version, kind, region, is_minor,
    trigger_version, trigger_type, triggered_at, due_at, warn_at, status, met_at,
    met_by_version, met_recorded_at, breached_at, notify_on_breach
) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""

# The status of a row as of %(now)s: time turns an open obligation into a
# warning, then into a breach (or, for a not-before rule, into a met one).
STATUS_AT_NOW = """
CASE
    WHEN status IN ('open', 'warning') AND kind = 'not_before'
         AND due_at <= %(now)s THEN 'met'
    WHEN status IN ('open', 'warning') AND kind <> 'not_before'
         AND due_at <= %(now)s THEN 'breached'
    WHEN status = 'open' AND kind <> 'not_before'
         AND warn_at IS NOT NULL AND warn_at <= %(now)s THEN 'warning'
    ELSE status
END
"""


class ObligationsProjection:
    """Builds ``sop_obligations`` (and the facts it is computed from)."""

    name = "sop_obligations"
    tables: tuple[str, ...] = ("sop_case_facts", "sop_obligations")

    def __init__(self, rulebook: RuleBook, calendar: WorkingCalendar) -> None:
        self.rulebook = rulebook
        self.calendar = calendar

    def create(self, conn: Connection[Any]) -> None:
        conn.execute(DDL)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        cur.executemany(INSERT_FACT, [_fact_row(item) for item in batch])
        touched = sorted({item.event.originator_id for item in batch})
        for case_id in touched:
            self._recompute(cur, case_id)

    def _recompute(self, cur: Cursor[Any], case_id: UUID) -> None:
        facts = _facts_of(cur, case_id)
        if not facts or facts[0].type != "Identified":
            return  # the identification has not arrived yet: nothing to judge
        obligations = obligations_of(facts, self.rulebook, self.calendar)
        region, is_minor = _case_context(facts)
        recorded = {f.version: f.recorded_at for f in facts}
        cur.execute("DELETE FROM sop_obligations WHERE case_id = %s", (case_id,))
        cur.executemany(
            INSERT_OBLIGATION,
            [_obligation_row(o, region, is_minor, recorded) for o in obligations],
        )


def _fact_row(item: Delivered) -> tuple[object, ...]:
    event = item.event
    return (
        event.originator_id,
        event.originator_version,
        type(event).__name__,
        event.occurred_at,
        event.timestamp,
        Jsonb(
            {
                k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in payload_of(event).items()
            }
        ),
    )


def _facts_of(cur: Cursor[Any], case_id: UUID) -> list[CaseFact]:
    rows = cur.execute(
        """
        SELECT version, type, occurred_at, recorded_at, attributes
        FROM sop_case_facts WHERE case_id = %s ORDER BY version
        """,
        (case_id,),
    ).fetchall()
    return [
        CaseFact(case_id, version, type_, occurred, recorded, attributes)
        for version, type_, occurred, recorded, attributes in rows
    ]


def _case_context(facts: Sequence[CaseFact]) -> tuple[str, bool]:
    """The case's current region and whether the person is a minor."""
    region = str(facts[0].attributes.get("region", ""))
    is_minor = bool(facts[0].attributes.get("is_minor", False))
    for fact in facts[1:]:
        if fact.type == "Transferred":
            region = str(fact.attributes["to_region"])
    return region, is_minor


def _obligation_row(
    o: Obligation, region: str, is_minor: bool, recorded: dict[int, datetime]
) -> tuple[object, ...]:
    return (
        o.case_id,
        o.obligation_id,
        o.rule_id,
        o.ruleset_version,
        str(o.kind),
        region,
        is_minor,
        o.trigger_version,
        o.trigger_type,
        o.triggered_at,
        o.due_at,
        o.warn_at,
        str(o.status),
        o.met_at,
        o.met_by_version,
        recorded.get(o.met_by_version) if o.met_by_version else None,
        o.breached_at,
        list(o.notify_on_breach),
    )


def compliance(
    conn: Connection[Any], now: datetime, by: str = "rule_id"
) -> list[dict[str, Any]]:
    """Counts per rule (or per region) as of ``now``, with the on-time rate."""
    if by not in ("rule_id", "region"):
        raise ValueError("compliance is grouped by rule_id or region")
    query = f"""
        SELECT {by} AS key,
               count(*) FILTER (WHERE s = 'open') AS open,
               count(*) FILTER (WHERE s = 'warning') AS warning,
               count(*) FILTER (WHERE s = 'met') AS met,
               count(*) FILTER (WHERE s = 'met_late') AS met_late,
               count(*) FILTER (WHERE s = 'breached') AS breached,
               count(*) FILTER (WHERE s = 'cancelled') AS cancelled
        FROM (SELECT {by}, {STATUS_AT_NOW} AS s FROM sop_obligations) AS o
        GROUP BY {by} ORDER BY {by}
    """
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, {"now": now}).fetchall()
    for row in rows:
        judged = row["met"] + row["met_late"] + row["breached"]
        row["on_time_rate"] = row["met"] / judged if judged else None
    return rows


def overdue(
    conn: Connection[Any], now: datetime, limit: int = 50
) -> list[dict[str, Any]]:
    """Open obligations past their deadline, most overdue first."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """
            SELECT case_id, obligation_id, rule_id, region, due_at,
                   %(now)s - due_at AS overdue_by, notify_on_breach
            FROM sop_obligations
            WHERE status IN ('open', 'warning') AND kind <> 'not_before'
              AND due_at <= %(now)s
            ORDER BY due_at LIMIT %(limit)s
            """,
            {"now": now, "limit": limit},
        ).fetchall()


def case_obligations(
    conn: Connection[Any], case_id: UUID, now: datetime
) -> list[dict[str, Any]]:
    """One case's obligations with their status as of ``now``."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"""
            SELECT obligation_id, rule_id, ruleset_version, kind, trigger_type,
                   triggered_at, due_at, {STATUS_AT_NOW} AS status, met_at,
                   met_recorded_at - met_at AS recording_delay, breached_at
            FROM sop_obligations WHERE case_id = %(case_id)s
            ORDER BY due_at, obligation_id
            """,
            {"now": now, "case_id": case_id},
        ).fetchall()
