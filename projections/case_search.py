"""Finding cases in ``case_list``: by reference or short id, with filters, a
page at a time, the most recent work first, with the total.

Every filter is served by an index of ``case_list`` (region, owner, the
reference and the short id as prefixes, the order of work), so a page reads
the rows it shows and the count reads the index, never every case. Each row
comes with the case's next outstanding obligation (``projections.work``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection
from psycopg.rows import dict_row

from projections.work import OUTSTANDING, Page

# A short id as alerts print it, with or without "VT-": 1 to 8 hex digits.
SHORT_ID = re.compile(r"(?:VT-)?([0-9A-F]{1,8})")


@dataclass(frozen=True)
class CaseQuery:
    """What to find. ``regions``: the regions the reader may see (``None``:
    all); the other fields narrow it, ``None`` meaning "either"."""

    regions: Collection[str] | None
    text: str = ""
    region: str | None = None
    closed: bool | None = None
    minor: bool | None = None
    overdue: bool | None = None
    owner: str | None = None


def find_cases(
    conn: Connection[Any],
    query: CaseQuery,
    now: datetime,
    rules: Collection[str],
    *,
    limit: int,
    offset: int = 0,
) -> Page:
    """One page of the cases ``query`` finds, and how many it finds in all.

    ``text`` matches the start of a subject reference (any case), the short
    id alerts use (``VT-3F2A9C1B``, with or without ``VT-``, any case, or its
    first digits), or a whole case id. ``overdue`` keeps the cases with (or
    without) an outstanding obligation past its deadline; ``rules`` are the
    rule ids in force (``projections.work``).
    """
    where, params = _conditions(query)
    params.update(now=now, rules=list(rules), limit=limit, offset=offset)
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(
            f"SELECT count(*) FROM case_list c WHERE {where}", params
        ).fetchone()
        total = int(found["count"]) if found else 0
        if total <= offset:
            return Page(total, [])
        # The page is chosen first (in the order of an index), and only its
        # cases are looked up for their next obligation.
        rows = cur.execute(
            f"""
            SELECT c.case_id, c.short_id, c.subject_ref, c.region, c.municipality,
                   c.is_minor, c.case_type, c.status, c.closed IS TRUE AS closed,
                   c.owner, c.identified_at, c.version, c.last_activity_at,
                   n.rule_id AS next_rule_id, n.due_at AS next_due_at,
                   n.due_at - %(now)s AS next_due_in
            FROM (
                SELECT * FROM case_list c WHERE {where}
                ORDER BY c.last_activity_at DESC, c.case_id
                LIMIT %(limit)s OFFSET %(offset)s
            ) AS c
            LEFT JOIN LATERAL (
                SELECT o.rule_id, o.due_at FROM sop_obligations o
                WHERE o.case_id = c.case_id AND {OUTSTANDING}
                ORDER BY o.due_at LIMIT 1
            ) AS n ON true
            ORDER BY c.last_activity_at DESC, c.case_id
            """,
            params,
        ).fetchall()
    return Page(total, rows)


def _conditions(query: CaseQuery) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of ``query`` (this module's own text) and its values."""
    where = ["c.subject_ref IS NOT NULL"]
    params: dict[str, Any] = {}
    if query.regions is not None:
        where.append("c.region = ANY(%(regions)s)")
        params["regions"] = sorted(query.regions)
    if query.region is not None:
        where.append("c.region = %(region)s")
        params["region"] = query.region
    text = query.text.strip()
    if text:
        where.append(_text_condition(text, params))
    if query.closed is not None:
        where.append("c.closed IS TRUE" if query.closed else "c.closed IS NOT TRUE")
    if query.minor is not None:
        where.append("c.is_minor = %(minor)s")
        params["minor"] = query.minor
    if query.owner is not None:
        where.append("c.owner = %(owner)s")
        params["owner"] = query.owner
    if query.overdue is not None:
        exists = f"""EXISTS (
            SELECT 1 FROM sop_obligations o
            WHERE o.case_id = c.case_id AND {OUTSTANDING} AND o.due_at <= %(now)s)"""
        where.append(exists if query.overdue else f"NOT {exists}")
    return " AND ".join(where), params


def _text_condition(text: str, params: dict[str, Any]) -> str:
    try:
        params["case_id"] = UUID(text)
    except ValueError:
        pass
    else:
        return "c.case_id = %(case_id)s"
    params["reference"] = _like_prefix(text.lower())
    short = SHORT_ID.fullmatch(text.upper())
    if short is None:
        return "lower(c.subject_ref) LIKE %(reference)s"
    params["short_id"] = short.group(1) + "%"
    return "(lower(c.subject_ref) LIKE %(reference)s OR c.short_id LIKE %(short_id)s)"


def _like_prefix(text: str) -> str:
    """``text`` as a LIKE pattern matching what starts with it."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
