"""Reading ``sop_obligations``: compliance counts, overdue and near deadlines.

The rows say what the events say; time does the rest. Every query takes
``now`` and judges each row as of then (``STATUS_AT_NOW``): an open
obligation past its warning point counts as a warning, past its deadline as
breached, whether or not the SOP clock has recorded it yet, so the views are
right even while the clock is stopped. Rows come back as dicts of Python
values; ``services.app.sop_views`` turns them into plain JSON values for the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection, sql
from psycopg.rows import dict_row

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

# What compliance can be grouped by.
GROUPINGS = ("rule_id", "region")
STATUSES = ("open", "warning", "met", "met_late", "breached", "cancelled")


def compliance_by(
    conn: Connection[Any],
    now: datetime,
    group_by: Sequence[str] = ("rule_id", "region"),
    *,
    region: str | None = None,
    rule_id: str | None = None,
) -> list[dict[str, Any]]:
    """Counts per status as of ``now``, grouped by rule and/or region.

    Each row has the grouping columns, one count per status, ``total`` and
    ``on_time_rate`` = met / (met + met late + breached), ``None`` while
    nothing is decided. ``region`` and ``rule_id`` keep only those rows.
    """
    if not group_by or not set(group_by) <= set(GROUPINGS):
        raise ValueError(f"compliance is grouped by some of {', '.join(GROUPINGS)}")
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in group_by)
    counts = sql.SQL(", ").join(
        sql.SQL("count(*) FILTER (WHERE s = {}) AS {}").format(
            sql.Literal(status), sql.Identifier(status)
        )
        for status in STATUSES
    )
    query = sql.SQL(
        """
        SELECT {columns}, {counts}, count(*) AS total
        FROM (
            SELECT rule_id, region, {status} AS s FROM sop_obligations
            WHERE (%(region)s::text IS NULL OR region = %(region)s)
              AND (%(rule_id)s::text IS NULL OR rule_id = %(rule_id)s)
        ) AS o
        GROUP BY {columns} ORDER BY {columns}
        """
    ).format(columns=columns, counts=counts, status=sql.SQL(STATUS_AT_NOW))
    params = {"now": now, "region": region, "rule_id": rule_id}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, params).fetchall()
    for row in rows:
        judged = row["met"] + row["met_late"] + row["breached"]
        row["on_time_rate"] = row["met"] / judged if judged else None
    return rows


def compliance(
    conn: Connection[Any], now: datetime, by: str = "rule_id", region: str | None = None
) -> list[dict[str, Any]]:
    """Counts per rule (or per region) as of ``now``; ``key`` is the group."""
    if by not in GROUPINGS:
        raise ValueError("compliance is grouped by rule_id or region")
    rows = compliance_by(conn, now, (by,), region=region)
    for row in rows:
        row["key"] = row[by]
    return rows


def overdue(
    conn: Connection[Any], now: datetime, limit: int = 50, region: str | None = None
) -> list[dict[str, Any]]:
    """Unmet obligations past their deadline, most overdue first.

    Whether the SOP clock has recorded the breach yet or not: overdue means
    the work is still not done. ``breach_recorded`` says which. Obligations
    set aside (the case was closed or the person returned after they arose:
    ``domain.sop.attention``) are left out.
    """
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """
            SELECT case_id, obligation_id, rule_id, ruleset_version, region,
                   due_at, %(now)s - due_at AS overdue_by, notify_on_breach,
                   breach_event_version IS NOT NULL AS breach_recorded
            FROM sop_obligations
            WHERE status IN ('open', 'warning', 'breached')
              AND kind <> 'not_before' AND met_at IS NULL
              AND due_at <= %(now)s AND set_aside IS NULL
              AND (%(region)s::text IS NULL OR region = %(region)s)
            ORDER BY due_at, case_id, obligation_id LIMIT %(limit)s
            """,
            {"now": now, "limit": limit, "region": region},
        ).fetchall()


def near_deadline(
    conn: Connection[Any], now: datetime, limit: int = 50, region: str | None = None
) -> list[dict[str, Any]]:
    """Unmet obligations due soon and not yet due: soonest first.

    Due soon is from the earlier of the warning point and half the
    obligation's time (``domain.sop.attention``), so a 1-hour rule shows
    while there is still time to act. Obligations set aside are left out.
    """
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """
            SELECT case_id, obligation_id, rule_id, ruleset_version, region,
                   warn_at, due_at, due_at - %(now)s AS due_in, notify_on_breach,
                   warning_event_version IS NOT NULL AS warning_recorded
            FROM sop_obligations
            WHERE status IN ('open', 'warning') AND met_at IS NULL
              AND due_soon_at <= %(now)s AND due_at > %(now)s
              AND set_aside IS NULL
              AND (%(region)s::text IS NULL OR region = %(region)s)
            ORDER BY due_at, case_id, obligation_id LIMIT %(limit)s
            """,
            {"now": now, "limit": limit, "region": region},
        ).fetchall()


def case_obligations(
    conn: Connection[Any], case_id: UUID, now: datetime
) -> list[dict[str, Any]]:
    """One case's obligations with their status as of ``now``.

    ``recording_delay`` is how long after the fulfilling step happened it was
    entered: compliance is judged by when it happened.
    """
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"""
            SELECT obligation_id, rule_id, ruleset_version, kind, region,
                   trigger_type, triggered_at, warn_at, due_at,
                   {STATUS_AT_NOW} AS status, met_at,
                   met_recorded_at - met_at AS recording_delay, breached_at,
                   warning_event_version IS NOT NULL AS warning_recorded,
                   breach_event_version IS NOT NULL AS breach_recorded,
                   next_action_at
            FROM sop_obligations WHERE case_id = %(case_id)s
            ORDER BY due_at, obligation_id
            """,
            {"now": now, "case_id": case_id},
        ).fetchall()
