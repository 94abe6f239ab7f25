"""The outbox: each case event's Kafka envelope, stored with the event.

A case event's envelope (all of it but its position: ``schemas.outbox``) is
encoded by the mapper when the event is stored, sealed by the store's cipher
when there is one, and written to the events table's ``envelope`` column in
the same insert as the event; the chain's hash covers it (``chain_hashing``).
The relay reads the column and sends it with the position joined in,
instead of decoding the stored event and encoding it again. Events stored
before the column existed have none; the relay encodes those from the event.

``OutboxReads`` selects the notification log with the envelope, and without
the state of an event that has one. ``EventSelect`` is the log as
eventsourcing's ``select_notifications`` reads it, with the columns named (so
the envelopes are not read by those who have no use for them) and the
statements rendered once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql
from psycopg.rows import tuple_row

from domain.events import CaseEvent
from schemas.mapping import outbox_body
from services.store.event_reads import rendered

ADD_COLUMN = "ALTER TABLE {events} ADD COLUMN IF NOT EXISTS envelope bytea"


@dataclass(frozen=True)
class OutboxedEvent(StoredEvent):
    """A stored event with its envelope (sealed as the state is), if it has one."""

    envelope: bytes | None = None


def envelope_of(stored: StoredEvent) -> bytes | None:
    """The stored envelope of ``stored``, or None (an event stored without)."""
    return stored.envelope if isinstance(stored, OutboxedEvent) else None


class OutboxMapper(Mapper[Any]):
    """eventsourcing's mapper, storing a case event's envelope with it.

    An event the envelope cannot be made of (a payload its schema refuses)
    is refused here, before anything is written: the relay could not
    publish it, and every event behind it would wait.
    """

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        if not isinstance(domain_event, CaseEvent):
            return stored
        envelope = outbox_body(domain_event)
        if self.cipher:
            envelope = self.cipher.encrypt(envelope)
        return OutboxedEvent(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=stored.state,
            envelope=envelope,
        )

    def envelope(self, stored: bytes) -> bytes:
        """A stored envelope, unsealed."""
        return self.cipher.decrypt(stored) if self.cipher else stored


def event_columns(
    stored_events: Sequence[StoredEvent],
) -> tuple[list[Any], list[int], list[str], list[bytes], list[bytes | None]]:
    """The columns the events are inserted as, each a list in their order."""
    return (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
        [envelope_of(e) for e in stored_events],
    )


@dataclass(frozen=True)
class OutboxRow:
    """One event of the log as the relay reads it: ``envelope`` when stored
    with one, else the event itself (``stored``)."""

    id: int
    envelope: bytes | None
    stored: Notification | None


class OutboxReads:
    """Reads the notification log of an events table, for the relay and the
    followers, with statements rendered once."""

    def __init__(self, datastore: PostgresDatastore, events_table_name: str) -> None:
        self.datastore = datastore
        table = sql.Identifier(datastore.schema, events_table_name)
        self._outbox = rendered(
            sql.SQL(
                "SELECT notification_id, envelope, "
                "CASE WHEN envelope IS NULL THEN originator_id END, "
                "CASE WHEN envelope IS NULL THEN originator_version END, "
                "CASE WHEN envelope IS NULL THEN topic END, "
                "CASE WHEN envelope IS NULL THEN state END "
                "FROM {} WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT %s"
            ).format(table)
        )
        self._table = table
        self._notifications: dict[tuple[bool, bool, bool], bytes] = {}
        self._lock = threading.Lock()

    def outbox(self, after: int, limit: int) -> list[OutboxRow]:
        """Up to ``limit`` events after notification id ``after``, in order."""
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(self._outbox, (after, limit), prepare=True)
            return [
                OutboxRow(row[0], bytes(row[1]), None)
                if row[1] is not None
                else OutboxRow(row[0], None, _notification(row[0], row[2:]))
                for row in curs.fetchall()
            ]

    def notifications(
        self, start: int | None, limit: int, stop: int | None, *, inclusive: bool
    ) -> list[Notification]:
        """eventsourcing's ``select_notifications`` without ``topics``."""
        params: list[int] = []
        if start is not None:
            params.append(start)
        if stop is not None:
            params.append(stop)
        params.append(limit)
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            statement = self._select(start is not None, stop is not None, inclusive)
            curs.execute(statement, params, prepare=True)
            return [_notification(row[0], row[1:]) for row in curs.fetchall()]

    def _select(self, start: bool, stop: bool, inclusive: bool) -> bytes:
        key = (start, stop, inclusive)
        statement = self._notifications.get(key)
        if statement is None:
            conditions = []
            if start:
                conditions.append(
                    "notification_id >= %s" if inclusive else "notification_id > %s"
                )
            if stop:
                conditions.append("notification_id <= %s")
            where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
            statement = rendered(
                sql.SQL(
                    "SELECT notification_id, originator_id, originator_version, "
                    "topic, state FROM {}" + where + " ORDER BY notification_id "
                    "LIMIT %s"
                ).format(self._table)
            )
            with self._lock:
                self._notifications[key] = statement
        return statement


def _notification(notification_id: int, row: tuple[Any, ...]) -> Notification:
    """The event at ``notification_id`` of its id, version, topic and state."""
    return Notification(
        id=notification_id,
        originator_id=row[0],
        originator_version=row[1],
        topic=row[2],
        state=bytes(row[3]),
    )
