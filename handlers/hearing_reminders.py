"""Reminders of a hearing to the lawyer and the psychologist who go with the
person, ``days`` before it (``VATRA_HEARING_REMINDER_DAYS``).

Part of the notification intake: when a hearing is scheduled, given its
companions or postponed, the intake records one reminder per companion in the
delivery ledger, due ``days`` before the hearing (at once if that moment has
passed and the hearing has not), in the same transaction as its feed
position. The dispatcher sends it when it falls due, like every alert: once,
with a stable id. A later step of the same hearing replaces the reminders
still pending (a postponement moves them to the new time; a hearing held
needs none); a companion already reminded of the same time is not reminded
again. Companions are found in the directory's ``workers`` by user id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection, Cursor

from domain import clinic_events as cev
from domain import events as ev
from domain.clock import TIRANE
from handlers import ledger
from handlers.contexts import CaseContext, hearing_reminder_context
from handlers.directory import Directory
from projections.schema import run_ddl
from schemas.mapping import event_id

TEMPLATE = "hearing_reminder"
STEPS = (
    cev.HearingScheduled,
    cev.HearingCompanionsAssigned,
    cev.HearingPostponed,
    cev.HearingHeld,
)

DDL = """
CREATE TABLE IF NOT EXISTS notify_hearings (
    case_id uuid NOT NULL,
    hearing_id text NOT NULL,
    hearing_at text NOT NULL,
    court text NOT NULL,
    lawyer_id text NOT NULL,
    psychologist_id text NOT NULL,
    PRIMARY KEY (case_id, hearing_id)
);
"""


def hearing_moment(hearing_at: str) -> datetime | None:
    """A hearing's local time (``YYYY-MM-DDTHH:MM``, Tirana) as an aware time."""
    try:
        return datetime.strptime(hearing_at, "%Y-%m-%dT%H:%M").replace(tzinfo=TIRANE)
    except ValueError:
        return None


class HearingReminders:
    """Schedules the reminders of hearings in the delivery ledger."""

    def __init__(self, directory: Directory, days: int) -> None:
        self.directory = directory
        self.days = days

    def create(self, conn: Connection[Any]) -> None:
        run_ddl(conn, DDL)

    def apply(
        self,
        cur: Cursor[Any],
        event: ev.CaseEvent,
        case: CaseContext,
        position: int,
        now: datetime,
    ) -> int:
        """Record the reminders ``event`` calls for; how many were recorded."""
        if not isinstance(event, STEPS):
            return 0
        hearing = self._remember(cur, event)
        _cancel_pending(cur, event, now)
        if hearing is None or isinstance(event, cev.HearingHeld):
            return 0
        hearing_at, court, lawyer_id, psychologist_id = hearing
        moment = hearing_moment(hearing_at)
        if moment is None or moment <= now:
            return 0
        send_at = max(now, moment - timedelta(days=self.days))
        the_event = event_id(event.originator_id, event.originator_version)
        rows = []
        for role, user_id in (("lawyer", lawyer_id), ("psychologist", psychologist_id)):
            if not user_id:
                continue
            for contact in self.directory.worker(user_id):
                if _reminded(cur, event, contact.id, hearing_at):
                    continue
                context = hearing_reminder_context(
                    case, event.hearing_id, hearing_at, court, role
                )
                rows.append(
                    ledger.NewDelivery(
                        event_id=the_event,
                        recipient=contact.id,
                        channel=contact.channel,
                        role=role,
                        template=TEMPLATE,
                        context=context,
                        case_id=event.originator_id,
                        case_version=event.originator_version,
                        event_type=type(event).__name__,
                        event_occurred_at=event.occurred_at,
                        position=position,
                        correlation_id=event.correlation_id,
                        send_at=send_at,
                    )
                )
        return ledger.insert(cur, rows, now=now)

    def _remember(
        self, cur: Cursor[Any], event: ev.CaseEvent
    ) -> tuple[str, str, str, str] | None:
        """Keep the hearing as ``event`` leaves it; return (time, court,
        lawyer, psychologist), or None for a hearing never seen scheduled."""
        case_id = event.originator_id
        if isinstance(event, cev.HearingScheduled):
            cur.execute(
                """
                INSERT INTO notify_hearings (
                    case_id, hearing_id, hearing_at, court, lawyer_id, psychologist_id
                ) VALUES (%s, %s, %s, %s, %s, %s)
                ON CONFLICT (case_id, hearing_id) DO NOTHING
                """,
                (
                    case_id,
                    event.hearing_id,
                    event.hearing_at,
                    event.court,
                    event.lawyer_id,
                    event.psychologist_id,
                ),
            )
        elif isinstance(event, cev.HearingCompanionsAssigned):
            cur.execute(
                "UPDATE notify_hearings SET lawyer_id = %s, psychologist_id = %s "
                "WHERE case_id = %s AND hearing_id = %s",
                (event.lawyer_id, event.psychologist_id, case_id, event.hearing_id),
            )
        elif isinstance(event, cev.HearingPostponed):
            cur.execute(
                "UPDATE notify_hearings SET hearing_at = %s "
                "WHERE case_id = %s AND hearing_id = %s",
                (event.hearing_at, case_id, event.hearing_id),
            )
        hearing_id = str(getattr(event, "hearing_id", ""))
        row = cur.execute(
            "SELECT hearing_at, court, lawyer_id, psychologist_id "
            "FROM notify_hearings WHERE case_id = %s AND hearing_id = %s",
            (case_id, hearing_id),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])


def _cancel_pending(cur: Cursor[Any], event: ev.CaseEvent, now: datetime) -> None:
    """Set aside the reminders of the hearing still waiting to be sent."""
    cur.execute(
        """
        UPDATE notification_deliveries
        SET status = 'skipped', finished_at = %s,
            last_error = 'replaced by a later step of the hearing'
        WHERE case_id = %s AND template = %s AND status = 'pending'
          AND context->>'hearing_id' = %s
        """,
        (now, event.originator_id, TEMPLATE, str(getattr(event, "hearing_id", ""))),
    )


def _reminded(
    cur: Cursor[Any], event: ev.CaseEvent, recipient: str, hearing_at: str
) -> bool:
    """Whether ``recipient`` was already reminded of this hearing at this time."""
    row = cur.execute(
        """
        SELECT 1 FROM notification_deliveries
        WHERE case_id = %s AND template = %s AND recipient = %s
          AND status = 'delivered'
          AND context->>'hearing_id' = %s AND context->>'hearing_at' = %s
        LIMIT 1
        """,
        (
            event.originator_id,
            TEMPLATE,
            recipient,
            str(getattr(event, "hearing_id", "")),
            hearing_at,
        ),
    ).fetchone()
    return row is not None
