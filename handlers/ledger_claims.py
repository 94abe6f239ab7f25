"""The dispatcher's side of the delivery ledger: claims, leases and marks.

A lane claims the most urgent due row under a short lease (``claim_due``),
renews the leases of the alerts it is sending (``renew``) and marks each row
delivered, for a retry, or failed with a dead letter; a clean stop releases
its claims. Finished rows whose outcome is not on the case yet are claimed
again to record it (``claim_unrecorded``, ``mark_recorded``). The table and
its rows: ``handlers.ledger``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor

from handlers.ledger import COLUMNS, NAMES, Delivery

# Lower first: the order in which due alerts are claimed.
_PRIORITY = """
    CASE role WHEN 'police' THEN 0 WHEN 'child_protection_unit' THEN 1
              WHEN 'responsible_authority' THEN 2 ELSE 3 END
"""


def claim_due(
    cur: Cursor[Any],
    *,
    worker: str,
    now: datetime,
    until: datetime,
    limit: int,
    roles: Sequence[str] | None = None,
) -> list[Delivery]:
    """Lease up to ``limit`` due pending rows (only of ``roles``, if given) to
    ``worker``, the most urgent role first; others skip them."""
    cur.execute(
        f"""
        WITH due AS (
            SELECT delivery_id, {_PRIORITY} AS priority
              FROM notification_deliveries
            WHERE status = 'pending' AND next_attempt_at <= %(now)s
              AND (claimed_until IS NULL OR claimed_until < %(now)s)
              AND (%(roles)s::text[] IS NULL OR role = ANY(%(roles)s::text[]))
            ORDER BY priority, next_attempt_at, delivery_id
            LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED
        )
        UPDATE notification_deliveries d
           SET claimed_by = %(worker)s, claimed_until = %(until)s
          FROM due WHERE d.delivery_id = due.delivery_id
        RETURNING due.priority, {", ".join("d." + name for name in NAMES)}
        """,
        {
            "now": now,
            "limit": limit,
            "worker": worker,
            "until": until,
            "roles": list(roles) if roles is not None else None,
        },
    )
    claimed = [(row[0], Delivery(*row[1:])) for row in cur.fetchall()]
    claimed.sort(key=lambda c: (c[0], c[1].created_at, str(c[1].delivery_id)))
    return [delivery for _priority, delivery in claimed]


def renew(
    cur: Cursor[Any], delivery_ids: Sequence[UUID], *, worker: str, until: datetime
) -> int:
    """Extend ``worker``'s lease on the rows it is sending; return how many are
    still its own (a row whose lease ran out may have been taken by another
    worker, or be finished)."""
    cur.execute(
        """
        UPDATE notification_deliveries SET claimed_until = %s
         WHERE delivery_id = ANY(%s) AND claimed_by = %s AND status = 'pending'
        """,
        (until, list(delivery_ids), worker),
    )
    return cur.rowcount


def release(cur: Cursor[Any], *, worker: str) -> int:
    """Give back ``worker``'s unsent claims (on a clean stop), so another
    notifier need not wait for the lease to run out."""
    cur.execute(
        """
        UPDATE notification_deliveries SET claimed_by = NULL, claimed_until = NULL
         WHERE claimed_by = %s AND status = 'pending'
        """,
        (worker,),
    )
    return cur.rowcount


def mark_delivered(
    cur: Cursor[Any], delivery: Delivery, *, at: datetime, outcome: str | None
) -> bool:
    """Mark a sent row delivered; ``False`` if another worker got there first."""
    cur.execute(
        """
        UPDATE notification_deliveries
           SET status = 'delivered', attempts = attempts + 1, finished_at = %s,
               outcome = %s, last_error = NULL, claimed_by = NULL,
               claimed_until = NULL
         WHERE delivery_id = %s AND status = 'pending'
        """,
        (at, outcome, delivery.delivery_id),
    )
    return cur.rowcount == 1


def mark_retry(
    cur: Cursor[Any], delivery: Delivery, *, error: str, next_at: datetime
) -> None:
    cur.execute(
        """
        UPDATE notification_deliveries
           SET attempts = attempts + 1, last_error = %s, next_attempt_at = %s,
               claimed_by = NULL, claimed_until = NULL
         WHERE delivery_id = %s AND status = 'pending'
        """,
        (error, next_at, delivery.delivery_id),
    )


def mark_failed(
    cur: Cursor[Any], delivery: Delivery, *, error: str, at: datetime
) -> bool:
    """The last attempt failed: dead-letter the row; the case is told next."""
    cur.execute(
        """
        UPDATE notification_deliveries
           SET status = 'failed', attempts = attempts + 1, last_error = %s,
               finished_at = %s, outcome = 'failed', claimed_by = NULL,
               claimed_until = NULL
         WHERE delivery_id = %s AND status = 'pending'
        RETURNING attempts
        """,
        (error, at, delivery.delivery_id),
    )
    row = cur.fetchone()
    if row is None:
        return False
    cur.execute(
        """
        INSERT INTO notification_dead_letters (
            delivery_id, case_id, recipient, channel, role, event_type, reason,
            attempts, failed_at
        ) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (delivery_id) DO NOTHING
        """,
        (
            delivery.delivery_id,
            delivery.case_id,
            delivery.recipient,
            delivery.channel,
            delivery.role,
            delivery.event_type,
            error,
            row[0],
            at,
        ),
    )
    return True


def claim_unrecorded(cur: Cursor[Any], *, limit: int) -> list[Delivery]:
    """Finished rows whose outcome is not on the case yet, locked for this caller."""
    cur.execute(
        f"""
        SELECT {COLUMNS} FROM notification_deliveries
         WHERE outcome IS NOT NULL AND outcome_recorded_at IS NULL
         ORDER BY finished_at
         LIMIT %s
         FOR UPDATE SKIP LOCKED
        """,
        (limit,),
    )
    return [Delivery(*row) for row in cur.fetchall()]


def mark_recorded(cur: Cursor[Any], delivery: Delivery, *, at: datetime) -> None:
    cur.execute(
        "UPDATE notification_deliveries SET outcome_recorded_at = %s "
        "WHERE delivery_id = %s",
        (at, delivery.delivery_id),
    )
