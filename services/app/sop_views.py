"""SOP compliance views as plain values, for the HTTP API and other callers.

Each function takes primitives (a time as ISO 8601 text or an aware
``datetime``, a region code, a case id) and returns lists of dicts holding
only ``str``, ``int``, ``float``, ``bool``, ``None`` and lists: ready for JSON.
Times come back as ISO 8601 UTC text, durations as whole seconds, and
statuses are judged as of ``now`` (see ``projections.compliance``). Bad input
raises ``InvalidInput`` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.catalogue import REGIONS
from projections import compliance as queries
from services.app.errors import InvalidInput
from services.app.parsing import parse_case_id, parse_moment

MAX_LIMIT = 1000


def sop_compliance(
    pool: ConnectionPool,
    now: str | datetime,
    *,
    group_by: Sequence[str] = ("rule_id", "region"),
    region: str | None = None,
    rule_id: str | None = None,
) -> list[dict[str, Any]]:
    """Compliance as of ``now`` per rule and region (or either alone).

    Each row: the grouping fields, ``open``, ``warning``, ``met`` (on time),
    ``met_late``, ``breached``, ``cancelled``, ``total`` and ``on_time_rate``
    (met / decided, ``None`` while nothing is decided).
    """
    groups = list(group_by)
    if not groups or not set(groups) <= set(queries.GROUPINGS):
        raise InvalidInput(
            f"group_by {groups!r}: choose from {', '.join(queries.GROUPINGS)}"
        )
    moment = parse_moment("now", now)
    with pool.connection() as conn:
        rows = queries.compliance_by(
            conn, moment, groups, region=check_region(region), rule_id=rule_id
        )
    return [_plain(row) for row in rows]


def sop_overdue(
    pool: ConnectionPool,
    now: str | datetime,
    *,
    region: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Unmet obligations past their deadline, most overdue first.

    ``overdue_by`` in seconds; ``breach_recorded`` says whether the SOP clock
    has recorded the breach (and so alerted) yet.
    """
    moment = parse_moment("now", now)
    with pool.connection() as conn:
        rows = queries.overdue(conn, moment, _limit(limit), check_region(region))
    return [_plain(row) for row in rows]


def sop_near_deadlines(
    pool: ConnectionPool,
    now: str | datetime,
    *,
    region: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Unmet obligations past their warning point and not yet due, soonest first.

    ``due_in`` in seconds; ``warning_recorded`` says whether the SOP clock has
    recorded the warning yet.
    """
    moment = parse_moment("now", now)
    with pool.connection() as conn:
        rows = queries.near_deadline(conn, moment, _limit(limit), check_region(region))
    return [_plain(row) for row in rows]


def sop_case_obligations(
    pool: ConnectionPool, case_id: str | UUID, now: str | datetime
) -> list[dict[str, Any]]:
    """One case's obligations, status as of ``now``, ``recording_delay`` in seconds."""
    moment = parse_moment("now", now)
    with pool.connection() as conn:
        rows = queries.case_obligations(conn, parse_case_id(case_id), moment)
    return [_plain(row) for row in rows]


def check_region(region: str | None) -> str | None:
    """``region`` if it is a region code (or ``None``); else ``InvalidInput``."""
    if region is not None and region not in REGIONS:
        raise InvalidInput(
            f"region {region!r} is not a region code; codes: {', '.join(REGIONS)}"
        )
    return region


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise InvalidInput(f"limit must be a positive whole number (got {limit!r})")
    return min(limit, MAX_LIMIT)


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _value(value) for key, value in row.items()}


def _value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value
