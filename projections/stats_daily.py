"""Steps counted from the day counts (``projections.stats_rollups``): the
same counts as ``stats_queries.step_sets`` for a period of whole
Europe/Tirane days, read from a row per day and kind of step instead of a
row per step."""

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
    "month": "date_trunc('month', day)",
}


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
    counted by each of ``sets``: ``stats_queries.step_sets``'s counts."""
    dims = list(dict.fromkeys(d for s in sets for d in s))
    inner = ", ".join(f"{DIMENSIONS[d]} AS {d}" for d in dims)
    query = f"""
        SELECT {_shown(dims)}, GROUPING({", ".join(dims)}), sum(n) FROM (
            SELECT {inner}, n FROM stats_step_days
            WHERE day >= %(first)s AND day < %(after)s
              AND event_type = ANY(%(types)s)
              AND (%(region)s::text IS NULL OR region = %(region)s)
              AND (%(case_type)s::text IS NULL OR case_type = %(case_type)s)
        ) AS d
        GROUP BY GROUPING SETS ({", ".join(f"({', '.join(s)})" for s in sets)})
        HAVING sum(n) > 0
    """
    params = f.params(types=list(event_types), first=days[0], after=days[1])
    return _by_set(conn, query, params, dims, sets)
