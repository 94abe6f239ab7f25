"""The delivery ledger: one row per (event, recipient, channel), in PostgreSQL.

The intake writes intents here in the same transaction as its feed position
(``INSERT ... ON CONFLICT DO NOTHING``), so a replay or a redelivered message
never makes a second one. The dispatcher claims due rows with
``FOR UPDATE SKIP LOCKED`` and a lease, sends, and marks each row delivered in
its own transaction. ``delivery_id`` is derived from the key, so every resend
of a row carries the same id (SMTP Message-ID, webhook Idempotency-Key).

Rows move ``pending`` -> ``delivered`` | ``failed`` (after the last attempt,
with a row in ``notification_dead_letters``), or are ``skipped`` when the
event was too old to alert about. ``outcome`` says what is still to be
recorded on the case (``notified``: ``AuthorityNotified``; ``failed``:
``NotificationFailed``); ``outcome_recorded_at`` when it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from psycopg import Connection, Cursor
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from projections.schema import run_ddl

# uuid5(NAMESPACE_URL, "https://vatra.al/backbone/delivery"). Never change: it
# makes the ids of resent alerts equal to the ids of their first send.
DELIVERY_NAMESPACE = UUID("21c60582-9a52-53e5-8378-fd5aa296625c")

DDL = """
CREATE TABLE IF NOT EXISTS notification_deliveries (
    delivery_id uuid PRIMARY KEY,
    event_id uuid NOT NULL,
    recipient text NOT NULL,
    channel text NOT NULL,
    role text NOT NULL,
    template text NOT NULL,
    context jsonb NOT NULL,
    case_id uuid NOT NULL,
    case_version integer NOT NULL,
    event_type text NOT NULL,
    event_occurred_at timestamptz NOT NULL,
    position bigint NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    claimed_by text,
    claimed_until timestamptz,
    last_error text,
    created_at timestamptz NOT NULL,
    finished_at timestamptz,
    outcome text,
    outcome_recorded_at timestamptz,
    correlation_id text NOT NULL DEFAULT '',
    UNIQUE (event_id, recipient, channel)
);
-- Tables made before alerts carried the correlation id of their event.
ALTER TABLE notification_deliveries
    ADD COLUMN IF NOT EXISTS correlation_id text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS notification_deliveries_due
    ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS notification_deliveries_unrecorded
    ON notification_deliveries (finished_at)
    WHERE outcome IS NOT NULL AND outcome_recorded_at IS NULL;
CREATE TABLE IF NOT EXISTS notification_dead_letters (
    delivery_id uuid PRIMARY KEY REFERENCES notification_deliveries,
    case_id uuid NOT NULL,
    recipient text NOT NULL,
    channel text NOT NULL,
    role text NOT NULL,
    event_type text NOT NULL,
    reason text NOT NULL,
    attempts integer NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_cases (
    case_id uuid PRIMARY KEY,
    region text NOT NULL DEFAULT '',
    municipality text NOT NULL DEFAULT '',
    is_minor boolean NOT NULL DEFAULT false,
    case_type text NOT NULL DEFAULT '',
    last_version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_referrals (
    case_id uuid NOT NULL,
    referral_id text NOT NULL,
    version integer NOT NULL,
    referring_actor text NOT NULL,
    agency text NOT NULL,
    service text NOT NULL,
    PRIMARY KEY (case_id, referral_id)
);
"""


@dataclass(frozen=True)
class NewDelivery:
    """An intent as the intake records it."""

    event_id: UUID
    recipient: str
    channel: str
    role: str
    template: str
    context: dict[str, Any]
    case_id: UUID
    case_version: int
    event_type: str
    event_occurred_at: datetime
    position: int
    correlation_id: str = ""

    @property
    def delivery_id(self) -> UUID:
        return delivery_id(self.event_id, self.recipient, self.channel)


@dataclass(frozen=True)
class Delivery:
    """A ledger row as the dispatcher works on it."""

    delivery_id: UUID
    event_id: UUID
    recipient: str
    channel: str
    role: str
    template: str
    context: dict[str, Any]
    case_id: UUID
    case_version: int
    event_type: str
    event_occurred_at: datetime
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    outcome: str | None
    correlation_id: str


_NAMES = (
    "delivery_id",
    "event_id",
    "recipient",
    "channel",
    "role",
    "template",
    "context",
    "case_id",
    "case_version",
    "event_type",
    "event_occurred_at",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "finished_at",
    "outcome",
    "correlation_id",
)
_COLUMNS = ", ".join(_NAMES)


def delivery_id(event_id: UUID, recipient: str, channel: str) -> UUID:
    """The id of the alert of ``event_id`` to ``recipient`` on ``channel``."""
    return uuid5(DELIVERY_NAMESPACE, f"{event_id}|{recipient}|{channel}")


def create(conn: Connection[Any]) -> None:
    run_ddl(conn, DDL)


def insert(
    cur: Cursor[Any],
    deliveries: Sequence[NewDelivery],
    *,
    now: datetime,
    status: str = "pending",
) -> int:
    """Record intents; one already there (same key) is left as it is."""
    inserted = 0
    for d in deliveries:
        cur.execute(
            """
            INSERT INTO notification_deliveries (
                delivery_id, event_id, recipient, channel, role, template, context,
                case_id, case_version, event_type, event_occurred_at, position,
                status, next_attempt_at, created_at, last_error, correlation_id
            ) VALUES (
                %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s
            )
            ON CONFLICT (event_id, recipient, channel) DO NOTHING
            """,
            (
                d.delivery_id,
                d.event_id,
                d.recipient,
                d.channel,
                d.role,
                d.template,
                Jsonb(d.context),
                d.case_id,
                d.case_version,
                d.event_type,
                d.event_occurred_at,
                d.position,
                status,
                now,
                now,
                None if status == "pending" else "event too old to alert about",
                d.correlation_id,
            ),
        )
        inserted += cur.rowcount
    return inserted


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
        RETURNING due.priority, {", ".join("d." + name for name in _NAMES)}
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
        SELECT {_COLUMNS} FROM notification_deliveries
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


def find(cur: Cursor[Any], delivery_id_: UUID) -> Delivery | None:
    with cur.connection.cursor(row_factory=class_row(Delivery)) as rows:
        return rows.execute(
            f"SELECT {_COLUMNS} FROM notification_deliveries WHERE delivery_id = %s",
            (delivery_id_,),
        ).fetchone()
