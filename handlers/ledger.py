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

This module holds the table, its rows and the intake's side; the
dispatcher's (claims, leases, marks) is ``handlers.ledger_claims``.
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
DELIVERYNAMESPACE = UUID("21c60582-9a52-53e5-8378-fd5aa296625c")

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
    # When it is to be sent (a reminder); None: at once.
    send_at: datetime | None = None

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


NAMES = (
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
COLUMNS = ", ".join(NAMES)


def delivery_id(event_id: UUID, recipient: str, channel: str) -> UUID:
    """The id of the alert of ``event_id`` to ``recipient`` on ``channel``."""
    return uuid5(DELIVERYNAMESPACE, f"{event_id}|{recipient}|{channel}")


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
                d.send_at or now,
                now,
                None if status == "pending" else "event too old to alert about",
                d.correlation_id,
            ),
        )
        inserted += cur.rowcount
    return inserted


def find(cur: Cursor[Any], delivery_id_: UUID) -> Delivery | None:
    with cur.connection.cursor(row_factory=class_row(Delivery)) as rows:
        return rows.execute(
            f"SELECT {COLUMNS} FROM notification_deliveries WHERE delivery_id = %s",
            (delivery_id_,),
        ).fetchone()
