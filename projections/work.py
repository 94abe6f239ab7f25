"""The work still to do, from ``sop_obligations`` and ``case_list``: every
overdue item, what is due soon, what was set aside, and each person's tasks.

An obligation is *outstanding* while it is unmet, not a not-before rule, not
cancelled or set aside (``domain.sop.attention``), and its rule is still in
the rule set in force (``rules``: a rule dropped from the SOP since is
superseded, and its obligations are set aside too). Each list is one page of
``limit`` rows from ``offset``, with the total beside it, and is served by the
partial indexes on the unmet rows: no page reads every obligation.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row

# Unmet work of a rule still in force; "o" is sop_obligations.
OUTSTANDING = """
    o.met_at IS NULL AND o.kind <> 'not_before'
    AND o.status IN ('open', 'warning', 'breached')
    AND o.set_aside IS NULL AND o.rule_id = ANY(%(rules)s)
"""

# What every list shows of an item; "c" is case_list.
ITEM = """
    o.case_id, c.short_id, c.owner, o.obligation_id, o.rule_id,
    o.ruleset_version, o.region, o.is_minor, o.due_at, o.due_soon_at,
    o.due_at - %(now)s AS due_in, o.referral_id, o.agency, o.status,
    o.set_aside, o.breach_event_version IS NOT NULL AS breach_recorded
"""


@dataclass(frozen=True)
class Page:
    """One page of a list, and how many items the whole list has."""

    total: int
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Tasks:
    """Whose tasks: the outstanding obligations of the cases ``owner`` owns,
    those waiting for ``agency_key``'s answer (rules in ``agency_rules``),
    and those of the rules in ``actor_rules`` (e.g. the Responsible
    Authority's status decisions), in ``regions`` (``None``: all)."""

    owner: str | None = None
    agency_key: str | None = None
    agency_rules: Collection[str] = ()
    actor_rules: Collection[str] = ()
    regions: Collection[str] | None = None


def overdue_items(
    conn: Connection[Any],
    now: datetime,
    rules: Collection[str],
    *,
    limit: int,
    offset: int = 0,
) -> Page:
    """Outstanding obligations past their deadline, most overdue first."""
    where = f"{OUTSTANDING} AND o.due_at <= %(now)s"
    return _select(conn, _rows(where), _params(now, rules, limit, offset))


def due_soon_items(
    conn: Connection[Any],
    now: datetime,
    rules: Collection[str],
    *,
    limit: int,
    offset: int = 0,
) -> Page:
    """Outstanding obligations due soon but not yet due, soonest first."""
    where = f"{OUTSTANDING} AND o.due_soon_at <= %(now)s AND o.due_at > %(now)s"
    return _select(conn, _rows(where), _params(now, rules, limit, offset))


def set_aside_items(
    conn: Connection[Any],
    now: datetime,
    rules: Collection[str],
    *,
    limit: int,
    offset: int = 0,
) -> Page:
    """Unmet obligations past their deadline that are not work to do any
    more: cancelled by their rule, set aside by the case (closed, returned),
    or of a rule no longer in force. ``reason`` says which; the latest first."""
    where = """
        o.met_at IS NULL AND o.kind <> 'not_before' AND o.due_at <= %(now)s
        AND (o.status = 'cancelled' OR o.set_aside IS NOT NULL
             OR (o.status IN ('open', 'warning', 'breached')
                 AND NOT o.rule_id = ANY(%(rules)s)))
    """
    reason = """,
        CASE WHEN o.status = 'cancelled' THEN 'cancelled'
             WHEN o.set_aside IS NOT NULL THEN o.set_aside
             ELSE 'superseded' END AS reason
    """
    return _select(
        conn,
        _rows(where),
        _params(now, rules, limit, offset),
        order="o.due_at DESC",
        extra=reason,
    )


def tasks(
    conn: Connection[Any],
    whose: Tasks,
    now: datetime,
    rules: Collection[str],
    *,
    limit: int,
    offset: int = 0,
) -> Page:
    """Someone's outstanding obligations whose time has begun (of a monthly
    follow-up, the month under way, not the eleven after it), the soonest
    due first."""
    common = f"""{OUTSTANDING} AND o.starts_at <= %(now)s
        AND (%(all_regions)s OR o.region = ANY(%(regions)s))"""
    # One indexed query per way an obligation is someone's, then together.
    arms: list[str] = []
    if whose.owner is not None:
        arms.append(
            "SELECT o.* FROM case_list c JOIN sop_obligations o USING (case_id) "
            f"WHERE c.owner = %(owner)s AND c.subject_ref IS NOT NULL AND {common}"
        )
    if whose.agency_key is not None and whose.agency_rules:
        arms.append(
            "SELECT o.* FROM sop_obligations o WHERE o.agency_key = %(agency_key)s "
            f"AND o.rule_id = ANY(%(agency_rules)s) AND {common}"
        )
    if whose.actor_rules:
        arms.append(
            "SELECT o.* FROM sop_obligations o "
            f"WHERE o.rule_id = ANY(%(actor_rules)s) AND {common}"
        )
    if not arms:
        return Page(0, [])
    params = {
        **_params(now, rules, limit, offset),
        "owner": whose.owner,
        "agency_key": whose.agency_key,
        "agency_rules": list(whose.agency_rules),
        "actor_rules": list(whose.actor_rules),
        "all_regions": whose.regions is None,
        "regions": sorted(whose.regions or ()),
    }
    return _select(conn, "(" + " UNION ".join(arms) + ") AS o", params)


def _rows(where: str) -> str:
    """The obligations ``where`` keeps, as a relation named ``o``."""
    return f"(SELECT * FROM sop_obligations o WHERE {where}) AS o"


def _params(
    now: datetime, rules: Collection[str], limit: int, offset: int
) -> dict[str, Any]:
    return {"now": now, "rules": list(rules), "limit": limit, "offset": offset}


def _select(
    conn: Connection[Any],
    relation: str,
    params: dict[str, Any],
    *,
    order: str = "o.due_at",
    extra: str = "",
) -> Page:
    """How many obligations ``relation`` holds, and one page of them with
    their cases. The page is chosen first, in the order of an index, and only
    its obligations look their cases up (by key: never a scan of the list)."""
    # The fragments are this module's own text; every value is a parameter.
    order_by = f"ORDER BY {order}, o.case_id, o.obligation_id"
    count = f"SELECT count(*) FROM {relation}"
    page = f"""
        SELECT {ITEM}{extra}
        FROM (SELECT * FROM {relation} {order_by}
              LIMIT %(limit)s OFFSET %(offset)s) AS o
        CROSS JOIN LATERAL (
            SELECT short_id, owner FROM case_list c
            WHERE c.case_id = o.case_id LIMIT 1
        ) AS c
        {order_by}
    """
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(count, params).fetchone()
        total = int(found["count"]) if found else 0
        rows: Sequence[dict[str, Any]] = (
            cur.execute(page, params).fetchall() if total > params["offset"] else []
        )
    return Page(total, list(rows))
