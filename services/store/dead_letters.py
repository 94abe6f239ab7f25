"""Events a projection or handler could not process, set aside (embedded mode).

The event itself stays in the event store; a dead letter only references it
(notification id, case id, version, event type) and says why it failed: the
exception's type, where it was raised, and its message with every text of the
event's payload blanked out, so no personal data is copied here. ``vatra dlq``
lists, shows and retries them (``services.cli.dlq``).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor
from psycopg.rows import dict_row

from projections.schema import run_ddl

DDL = """
CREATE TABLE IF NOT EXISTS vatra_dead_letters (
    id bigserial PRIMARY KEY,
    projection text NOT NULL,
    notification_id bigint NOT NULL,
    case_id uuid NOT NULL,
    version bigint NOT NULL,
    event_type text NOT NULL,
    error_type text NOT NULL,
    error_message text NOT NULL,
    error_where text NOT NULL,
    attempts int NOT NULL DEFAULT 1,
    failed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (projection, notification_id)
);
-- Kafka dead letters cannot be deleted from their topic: a retried one is
-- remembered here and left out of ``vatra dlq list``.
CREATE TABLE IF NOT EXISTS vatra_dead_letters_retried (
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    retried_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, "offset")
)
"""

MESSAGE_LIMIT = 300
REDACTED = "[redacted]"


@dataclass(frozen=True)
class FailedEvent:
    """Which event failed, by reference only."""

    projection: str
    notification_id: int
    case_id: UUID
    version: int
    event_type: str


@dataclass(frozen=True)
class ErrorReport:
    """Why it failed, without personal data."""

    error_type: str
    message: str
    where: str


def create(conn: Connection[Any]) -> None:
    run_ddl(conn, DDL)


def describe(error: BaseException, payload: object = None) -> ErrorReport:
    """The error's type, where it was raised, and its message on one line,
    bounded, with every string found in ``payload`` replaced by [redacted]."""
    message = " ".join(str(error).split())
    for text in sorted(_strings(payload), key=len, reverse=True):
        message = message.replace(text, REDACTED)
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        module = last.filename.rsplit("/", 2)
        where = f"{'/'.join(module[-2:])}:{last.lineno} in {last.name}"
    return ErrorReport(type(error).__name__, message, where)


def _strings(value: object) -> Iterable[str]:
    # Short strings (codes, "en") would blank ordinary words of the message.
    if isinstance(value, str):
        if len(value) >= 3:
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif value is not None and not isinstance(value, int | float | bool | datetime):
        yield from _strings(str(value))


def record(cur: Cursor[Any], failed: FailedEvent, error: ErrorReport) -> None:
    """Set ``failed`` aside with ``error``; a second failure updates the first."""
    cur.execute(
        """
        INSERT INTO vatra_dead_letters (projection, notification_id, case_id,
            version, event_type, error_type, error_message, error_where)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (projection, notification_id) DO UPDATE
            SET error_type = EXCLUDED.error_type,
                error_message = EXCLUDED.error_message,
                error_where = EXCLUDED.error_where,
                attempts = vatra_dead_letters.attempts + 1,
                failed_at = now()
        """,
        (
            failed.projection,
            failed.notification_id,
            failed.case_id,
            failed.version,
            failed.event_type,
            error.error_type,
            error.message,
            error.where,
        ),
    )


def listed(conn: Connection[Any], limit: int = 1000) -> list[dict[str, Any]]:
    """The dead letters, oldest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT * FROM vatra_dead_letters ORDER BY id LIMIT %s", (limit,)
        ).fetchall()


def count(conn: Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM vatra_dead_letters").fetchone()
    return int(row[0]) if row else 0


def one(cur: Cursor[Any], dead_letter_id: int) -> dict[str, Any] | None:
    """One dead letter, locked until the transaction ends."""
    cur.execute(
        "SELECT * FROM vatra_dead_letters WHERE id = %s FOR UPDATE",
        (dead_letter_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    names = [column.name for column in cur.description or []]
    return dict(zip(names, row, strict=True))


def remove(cur: Cursor[Any], dead_letter_id: int) -> None:
    cur.execute("DELETE FROM vatra_dead_letters WHERE id = %s", (dead_letter_id,))


def forget(cur: Cursor[Any], projection: str) -> None:
    """Drop ``projection``'s dead letters (its read model is being rebuilt)."""
    cur.execute("DELETE FROM vatra_dead_letters WHERE projection = %s", (projection,))


def retried_offsets(conn: Connection[Any], topic: str) -> set[tuple[int, int]]:
    """The (partition, offset) of each Kafka dead letter already retried."""
    rows = conn.execute(
        'SELECT partition, "offset" FROM vatra_dead_letters_retried WHERE topic = %s',
        (topic,),
    ).fetchall()
    return {(int(p), int(o)) for p, o in rows}


def mark_retried(cur: Cursor[Any], topic: str, partition: int, offset: int) -> None:
    cur.execute(
        'INSERT INTO vatra_dead_letters_retried (topic, partition, "offset") '
        "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (topic, partition, offset),
    )
