"""Counting from the statistics read model: every figure of the statistics
page, the downloads and ``vatra stats``, for a period, a region and a case
type.

A case is counted by its identification (``stats_cases.identified_at``) and
its region and case type as they are now (after any transfer or correction);
a step by when it happened (``stats_steps.occurred_at``). Periods are
half-open, ``[start, end)``; months are those of Europe/Tirane. Nothing here
suppresses small counts: ``services.stats`` does, before anything is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection, sql

from projections.compliance import STATUS_AT_NOW

NOT_RECORDED = "not_recorded"
MONTH = "to_char({} AT TIME ZONE 'Europe/Tirane', 'YYYY-MM')"


@dataclass(frozen=True)
class Filters:
    """What to count: ``[start, end)``, one region or all, one case type or all."""

    start: datetime
    end: datetime
    region: str | None = None
    case_type: str | None = None

    def params(self, **more: object) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "region": self.region,
            "case_type": self.case_type,
            **more,
        }


CASE_FILTER = """
    c.identified_at IS NOT NULL
    AND (%(region)s::text IS NULL OR c.region = %(region)s)
    AND (%(case_type)s::text IS NULL OR c.case_type = %(case_type)s)
"""

# What an identified case can be counted by.
CASE_DIMENSIONS: Mapping[str, str] = {
    "sex": f"COALESCE(p.sex, '{NOT_RECORDED}')",
    "age_band": f"COALESCE(p.age_band, '{NOT_RECORDED}')",
    "nationality": f"COALESCE(p.nationality, '{NOT_RECORDED}')",
    "minor": "CASE WHEN c.is_minor THEN 'minor' ELSE 'adult' END",
    "source": "c.source",
    "exploitation": "x.form",
    "region": "c.region",
    "case_type": "c.case_type",
    "status": f"COALESCE(c.status, '{NOT_RECORDED}')",
    "month": MONTH.format("c.identified_at"),
}


def identified(
    conn: Connection[Any], f: Filters, dims: Sequence[str]
) -> dict[tuple[str, ...], int]:
    """Cases identified in the period, counted by ``dims`` (a case with several
    forms of exploitation counts once under each, when counted by form)."""
    keys = [CASE_DIMENSIONS[d] for d in dims]
    forms = (
        "CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.exploitation_types) > 0 "
        f"THEN c.exploitation_types ELSE ARRAY['{NOT_RECORDED}'] END) AS x(form)"
        if "exploitation" in dims
        else ""
    )
    query = f"""
        SELECT {", ".join(keys)}, count(*) FROM stats_cases c
        LEFT JOIN stats_person p ON p.case_id = c.case_id {forms}
        WHERE {CASE_FILTER}
          AND c.identified_at >= %(start)s AND c.identified_at < %(end)s
        GROUP BY {", ".join(str(i + 1) for i in range(len(keys)))}
    """
    return _counted(conn, query, f.params(), len(keys))


# The ways the page counts identified cases, counted in one pass
# (``identified_sets``); the forms of exploitation, which count a case once
# per form, are counted apart (``identified``).
IDENTIFIED_SETS: tuple[tuple[str, ...], ...] = (
    ("sex", "age_band"),
    ("minor",),
    ("nationality",),
    ("source",),
    ("region",),
    ("month",),
    ("nationality", "minor"),
)


def identified_sets(
    conn: Connection[Any], f: Filters, sets: Sequence[tuple[str, ...]]
) -> dict[tuple[str, ...], dict[tuple[str, ...], int]]:
    """Cases identified in the period, counted by each of ``sets`` of
    dimensions in one query: the same counts as ``identified`` for each."""
    dims = list(dict.fromkeys(d for s in sets for d in s))
    inner = ", ".join(
        f"{_key(CASE_DIMENSIONS, d, 'c.identified_at')} AS {d}" for d in dims
    )
    query = f"""
        SELECT {_shown(dims)}, GROUPING({", ".join(dims)}), count(*) FROM (
            SELECT {inner} FROM stats_cases c
            LEFT JOIN stats_person p ON p.case_id = c.case_id
            WHERE {CASE_FILTER}
              AND c.identified_at >= %(start)s AND c.identified_at < %(end)s
        ) AS d
        GROUP BY GROUPING SETS ({", ".join(f"({', '.join(s)})" for s in sets)})
    """
    return _by_set(conn, query, f.params(), dims, sets)


# The ways the page counts steps, in one pass (``step_sets``).
STEP_SETS: tuple[tuple[str, ...], ...] = (
    ("event_type", "code"),
    ("event_type", "month"),
    ("event_type", "assisted"),
)


def step_sets(
    conn: Connection[Any],
    f: Filters,
    event_types: Sequence[str],
    sets: Sequence[tuple[str, ...]] = STEP_SETS,
) -> dict[tuple[str, ...], dict[tuple[str, ...], int]]:
    """Steps of ``event_types`` that happened in the period, counted by each
    of ``sets`` in one query (the same counts as ``steps`` for each)."""
    dims = list(dict.fromkeys(d for s in sets for d in s))
    inner = ", ".join(
        f"{_key(STEP_DIMENSIONS, d, 's.occurred_at')} AS {d}" for d in dims
    )
    query = f"""
        SELECT {_shown(dims)}, GROUPING({", ".join(dims)}), count(*) FROM (
            SELECT {inner} FROM stats_steps s
            JOIN stats_cases c ON c.case_id = s.case_id
            WHERE {CASE_FILTER} AND s.event_type = ANY(%(types)s)
              AND s.occurred_at >= %(start)s AND s.occurred_at < %(end)s
        ) AS d
        GROUP BY GROUPING SETS ({", ".join(f"({', '.join(s)})" for s in sets)})
    """
    params = f.params(types=list(event_types))
    return _by_set(conn, query, params, dims, sets)


# A month is grouped by as a truncated time (cheaper than text for every
# row) and shown as ``YYYY-MM`` once per group.
MONTH_KEY = "date_trunc('month', {} AT TIME ZONE 'Europe/Tirane')"


def _key(dimensions: Mapping[str, str], dim: str, when: str) -> str:
    """The expression grouped by: ``dim``'s, or the month of ``when``."""
    return MONTH_KEY.format(when) if dim == "month" else dimensions[dim]


def _shown(dims: Sequence[str]) -> str:
    return ", ".join("to_char(month, 'YYYY-MM')" if d == "month" else d for d in dims)


def _by_set(
    conn: Connection[Any],
    query: str,
    params: Mapping[str, object],
    dims: Sequence[str],
    sets: Sequence[tuple[str, ...]],
) -> dict[tuple[str, ...], dict[tuple[str, ...], int]]:
    """The rows of a GROUPING SETS query, by the set each was counted by
    (``GROUPING`` has a bit set for each dimension the row is not grouped by,
    the first dimension's the highest)."""
    width = len(dims)
    mask = {
        sum(1 << (width - 1 - i) for i, d in enumerate(dims) if d not in s): s
        for s in sets
    }
    found: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {s: {} for s in sets}
    for row in conn.execute(sql.SQL(query), params).fetchall():
        s = mask[int(row[width])]
        key = tuple(str(row[dims.index(d)]) for d in s)
        found[s][key] = int(row[width + 1])
    return found


STEP_DIMENSIONS: Mapping[str, str] = {
    "event_type": "s.event_type",
    "code": "s.code",
    "assisted": "CASE WHEN s.flag THEN 'assisted' ELSE 'not_assisted' END",
    "month": MONTH.format("s.occurred_at"),
    "sex": f"COALESCE(p.sex, '{NOT_RECORDED}')",
    "minor": "CASE WHEN c.is_minor THEN 'minor' ELSE 'adult' END",
}


def steps(
    conn: Connection[Any],
    f: Filters,
    event_types: Sequence[str],
    dims: Sequence[str],
    *,
    distinct_cases: bool = False,
) -> dict[tuple[str, ...], int]:
    """Steps of ``event_types`` that happened in the period, counted by
    ``dims``; with ``distinct_cases``, the cases that had one."""
    keys = [STEP_DIMENSIONS[d] for d in dims]
    counted = "count(DISTINCT s.case_id)" if distinct_cases else "count(*)"
    query = f"""
        SELECT {", ".join(keys)}, {counted} FROM stats_steps s
        JOIN stats_cases c ON c.case_id = s.case_id
        LEFT JOIN stats_person p ON p.case_id = s.case_id
        WHERE {CASE_FILTER} AND s.event_type = ANY(%(types)s)
          AND s.occurred_at >= %(start)s AND s.occurred_at < %(end)s
        GROUP BY {", ".join(str(i + 1) for i in range(len(keys)))}
    """
    return _counted(conn, query, f.params(types=list(event_types)), len(keys))


# The size, median and 90th percentile of a set of durations, in hours.
SPREAD = """
    count({x}) AS n,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY {x}) AS median,
    percentile_disc(0.9) WITHIN GROUP (ORDER BY {x}) AS p90
"""


def _hours(later: str, earlier: str) -> str:
    # date_part gives float8 directly; EXTRACT computes in numeric, which
    # took a third of the time of a year's notification and answer times.
    return f"date_part('epoch', {later} - {earlier}) / 3600.0"


def referral_answers(conn: Connection[Any], f: Filters) -> list[dict[str, Any]]:
    """Per answer (accepted, declined) given in the period: how many, and the
    median and 90th percentile of the hours from the referral to the answer
    (``since``, kept on the answer's row: ``projections.stats_rollups``)."""
    spread = SPREAD.format(x=_hours("s.occurred_at", "s.since"))
    query = f"""
        SELECT s.event_type AS answer, {spread}
        FROM stats_steps s
        WHERE s.event_type IN ('ReferralAccepted', 'ReferralDeclined')
          AND s.since IS NOT NULL
          AND s.occurred_at >= %(start)s AND s.occurred_at < %(end)s
          AND s.region IS NOT NULL
          AND (%(region)s::text IS NULL OR s.region = %(region)s)
          AND (%(case_type)s::text IS NULL OR s.case_type = %(case_type)s)
        GROUP BY 1
    """
    return _dicts(conn, query, f.params())


def notification_times(conn: Connection[Any], f: Filters) -> list[dict[str, Any]]:
    """Per authority, for the cases identified in the period: how many were
    notified, and the median hours from the identification to the first
    notification; how many notifications were acknowledged, and the median
    hours from that notification to its first acknowledgement (the firsts
    kept per case and authority: ``stats_notices``)."""
    notified = _hours("notified_at", "identified_at")
    acknowledged = _hours("acknowledged_at", "notified_at")
    query = f"""
        SELECT authority,
               count({notified}) AS notified,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {notified})
                   AS notified_median,
               count({acknowledged}) AS acknowledged,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {acknowledged})
                   AS acknowledged_median
        FROM stats_notices
        WHERE identified_at >= %(start)s AND identified_at < %(end)s
          AND (%(region)s::text IS NULL OR region = %(region)s)
          AND (%(case_type)s::text IS NULL OR case_type = %(case_type)s)
        GROUP BY 1
    """
    return _dicts(conn, query, f.params())


def sop_by_month(
    conn: Connection[Any], f: Filters, now: datetime
) -> dict[tuple[str, ...], int]:
    """SOP obligations due in the period, as judged ``now``, by (rule, month
    due, status): ``met``, ``met_late``, ``breached`` (the others are not
    decided yet or were cancelled). The region is the obligation's own; the
    case type, the case's (joined only when asked for)."""
    by_type = (
        """AND EXISTS (SELECT 1 FROM stats_cases c WHERE c.case_id = o.case_id
                       AND c.case_type = %(case_type)s)"""
        if f.case_type
        else ""
    )
    query = f"""
        SELECT rule_id, to_char(month, 'YYYY-MM'), s, count(*) FROM (
            SELECT rule_id,
                   date_trunc('month', due_at AT TIME ZONE 'Europe/Tirane') AS month,
                   {STATUS_AT_NOW} AS s
            FROM sop_obligations o
            WHERE due_at >= %(start)s AND due_at < %(end)s
              AND (%(region)s::text IS NULL OR region = %(region)s) {by_type}
        ) AS o
        WHERE s IN ('met', 'met_late', 'breached')
        GROUP BY rule_id, month, s
    """
    return _counted(conn, query, f.params(now=now), 3)


CASELOAD_BY = {"unit": "c.mobile_unit", "worker": "c.owner"}


def caseload(conn: Connection[Any], f: Filters, by: str) -> dict[tuple[str, ...], int]:
    """Cases open at some time in the period (identified before its end, not
    closed before its start), by mobile unit or by the worker who owns them."""
    query = f"""
        SELECT {CASELOAD_BY[by]}, count(*) FROM stats_cases c
        WHERE {CASE_FILTER} AND c.identified_at < %(end)s
          AND (c.closed_at IS NULL OR c.closed_at >= %(start)s)
        GROUP BY 1
    """
    return _counted(conn, query, f.params(), 1)


def caseloads(
    conn: Connection[Any], f: Filters
) -> dict[str, dict[tuple[str, ...], int]]:
    """``caseload`` by every key of ``CASELOAD_BY``, in one query."""
    names = list(CASELOAD_BY)
    inner = ", ".join(f"{CASELOAD_BY[n]} AS {n}" for n in names)
    query = f"""
        SELECT {", ".join(names)}, GROUPING({", ".join(names)}), count(*) FROM (
            SELECT {inner} FROM stats_cases c
            WHERE {CASE_FILTER} AND c.identified_at < %(end)s
              AND (c.closed_at IS NULL OR c.closed_at >= %(start)s)
        ) AS d
        GROUP BY GROUPING SETS ({", ".join(f"({n})" for n in names)})
    """
    found = _by_set(conn, query, f.params(), names, [(n,) for n in names])
    return {n: found[(n,)] for n in names}


def _counted(
    conn: Connection[Any], query: str, params: Mapping[str, object], width: int
) -> dict[tuple[str, ...], int]:
    rows = conn.execute(sql.SQL(query), params).fetchall()
    return {tuple(str(v) for v in row[:width]): int(row[width]) for row in rows if row}


def _dicts(
    conn: Connection[Any], query: str, params: Mapping[str, object]
) -> list[dict[str, Any]]:
    cur = conn.execute(sql.SQL(query), params)
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
