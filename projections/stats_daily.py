"""Steps counted from the month and day counts (``projections.stats_rollups``):
the same counts as ``stats_queries.step_sets`` for a period of whole
Europe/Tirane days, read from a row per month (or day) and kind of step
instead of a row per step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from psycopg import Connection

from domain.clock import TIRANE
from projections.stats_queries import STEP_SETS, Filters, _by_set, _shown

DIMENSIONS = {
    "event_type": "event_type",
    "code": "code",
    "assisted": "CASE WHEN assisted THEN 'assisted' ELSE 'not_assisted' END",
    "month": "{month}",
}
DAY_MONTH = "date_trunc('month', day)::date"


def whole_days(f: Filters) -> tuple[date, date] | None:
    """The first day of the period and the day after it, when the period
    starts and ends at midnight in Europe/Tirane; else None."""
    start, end = f.start.astimezone(TIRANE), f.end.astimezone(TIRANE)
    for moment in (start, end):
        if moment.timetz().replace(tzinfo=None) != time(0):
            return None
    if _midnight(start.date()) != f.start or _midnight(end.date()) != f.end:
        return None
    return start.date(), end.date()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TIRANE)


def step_sets(
    conn: Connection[Any],
    f: Filters,
    days: tuple[date, date],
    event_types: Sequence[str],
    sets: Sequence[tuple[str, ...]] = STEP_SETS,
) -> dict[tuple[str, ...], dict[tuple[str, ...], int]]:
    """Steps of ``event_types`` on the ``days`` (first, after) of the period,
    counted by each of ``sets``: ``stats_queries.step_sets``'s counts. The
    whole months of the period are read from the month counts, the days
    before and after them from the day counts."""
    dims = list(dict.fromkeys(d for s in sets for d in s))
    months = ", ".join(f"{DIMENSIONS[d].format(month='month')} AS {d}" for d in dims)
    days_of = ", ".join(f"{DIMENSIONS[d].format(month=DAY_MONTH)} AS {d}" for d in dims)
    chosen = """
        event_type = ANY(%(types)s)
        AND (%(region)s::text IS NULL OR region = %(region)s)
        AND (%(case_type)s::text IS NULL OR case_type = %(case_type)s)
    """
    query = f"""
        SELECT {_shown(dims)}, GROUPING({", ".join(dims)}), sum(n) FROM (
            SELECT {months}, n FROM stats_step_months
            WHERE month >= %(m_first)s AND month < %(m_after)s AND {chosen}
            UNION ALL
            SELECT {days_of}, n FROM stats_step_days
            WHERE ((day >= %(first)s AND day < %(m_first)s)
                   OR (day >= %(m_after)s AND day < %(after)s)) AND {chosen}
        ) AS d
        GROUP BY GROUPING SETS ({", ".join(f"({', '.join(s)})" for s in sets)})
        HAVING sum(n) > 0
    """
    first, after = days
    m_first, m_after = whole_months(first, after)
    params = f.params(
        types=list(event_types),
        first=first,
        after=after,
        m_first=m_first,
        m_after=m_after,
    )
    return _by_set(conn, query, params, dims, sets)


def whole_months(first: date, after: date) -> tuple[date, date]:
    """The first day of the first whole month in ``[first, after)`` and of
    the month after the last one; ``(after, after)`` when there is none."""
    m_first = first if first.day == 1 else _next_month(first)
    m_after = after.replace(day=1)
    return (m_first, m_after) if m_first < m_after else (after, after)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
