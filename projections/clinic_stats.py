"""The legal clinic's counts for the statistics page, from the statistics
read model (``stats_steps``: the intake, the complaints and the decisions,
each with its code; ``stats_cases``: each case's type and region).

Every count takes the page's filters (period, region, case type). Exact
counts: the page suppresses small cells when it publishes them.
"""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from projections.stats_queries import CASE_FILTER, Filters

Counts = dict[tuple[str, ...], int]

_STEPS_OF_PERIOD = (
    """
    FROM stats_steps s JOIN stats_cases c ON c.case_id = s.case_id
    WHERE s.event_type = %(event_type)s
      AND s.occurred_at >= %(start)s AND s.occurred_at < %(end)s
      AND """
    + CASE_FILTER
)


def cases_by_type_and_source(conn: Connection[Any], f: Filters) -> Counts:
    """Cases opened at the clinic in the period: (case type, referral source)."""
    rows = conn.execute(
        "SELECT c.case_type, s.code, count(DISTINCT s.case_id)"
        + _STEPS_OF_PERIOD
        + " GROUP BY 1, 2",
        f.params(event_type="ClinicIntakeRecorded"),
    ).fetchall()
    return {(str(t), str(code)): int(n) for t, code, n in rows}


def decisions_by_outcome(conn: Connection[Any], f: Filters) -> Counts:
    """Decisions and judgments recorded in the period, by outcome."""
    rows = conn.execute(
        "SELECT s.code, count(*)" + _STEPS_OF_PERIOD + " GROUP BY 1",
        f.params(event_type="JudgmentGiven"),
    ).fetchall()
    return {(str(code),): int(n) for code, n in rows}


_COMPLAINT_TO_DECISION = (
    """
    WITH decided AS (
        SELECT s.case_id, c.case_type, min(s.occurred_at) AS decided_at
    """
    + _STEPS_OF_PERIOD
    + """
        GROUP BY s.case_id, c.case_type
    ), complained AS (
        SELECT case_id, min(occurred_at) AS complained_at
        FROM stats_steps WHERE event_type = 'ComplaintFiled'
        GROUP BY case_id
    )
    SELECT d.case_type,
           extract(epoch FROM d.decided_at - k.complained_at) / 86400.0
    FROM decided d JOIN complained k ON k.case_id = d.case_id
    WHERE k.complained_at <= d.decided_at
    """
)


def days_from_complaint_to_decision(
    conn: Connection[Any], f: Filters
) -> dict[str, list[float]]:
    """For each case with a decision in the period and a complaint before it:
    the days from its first complaint to its first decision of the period,
    by case type."""
    rows = conn.execute(
        _COMPLAINT_TO_DECISION, f.params(event_type="JudgmentGiven")
    ).fetchall()
    found: dict[str, list[float]] = {}
    for case_type, days in rows:
        found.setdefault(str(case_type), []).append(float(days))
    return found
