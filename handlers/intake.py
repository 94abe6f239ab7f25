"""The notification intake: events in, delivery intents out (the outbox).

A ``Projection`` like the read models, so it runs on the notification-log
follower (embedded mode) and on a Kafka consumer group (``vatra notify``)
alike. In the feed's transaction it records each alert an event calls for
in the delivery ledger, keyed by (event id, recipient, channel) with
``ON CONFLICT DO NOTHING``, and keeps what later events need to be routed
(a case's region, municipality and minor flag; who made each referral).

Idempotent twice over: a case's events are applied once (an event at or below
the case's last applied version is ignored, so a replay after a transfer
cannot alert the new region about old news), and an intent already in the
ledger is never made again.

Its ``tables`` are empty on purpose: the ledger records side effects that
happened; a read-model rebuild must never drop it and send every alert again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog
from psycopg import Connection, Cursor

from domain import events as ev
from domain.clock import Clock
from domain.sop import RuleBook, WorkingCalendar
from handlers import ledger
from handlers.contexts import CaseContext
from handlers.directory import Directory
from handlers.hearing_reminders import HearingReminders
from handlers.metrics import ALERTS
from handlers.policy import ReferralRecord, intents_for
from projections.feed import Delivered
from schemas.mapping import event_id

log = structlog.get_logger("vatra.notify")

_CORRECTABLE = {"region", "municipality", "is_minor", "case_type"}


class NotificationIntake:
    """Turns case events into delivery intents in the ledger."""

    name = "notification_intake"
    tables: tuple[str, ...] = ()

    def __init__(
        self,
        directory: Directory,
        rulebook: RuleBook,
        clock: Clock,
        *,
        max_age: timedelta | None = None,
        calendar: WorkingCalendar | None = None,
        reminders: HearingReminders | None = None,
    ) -> None:
        """``calendar``: the working days, so that a referral alert can say by
        when the referral must be answered; ``reminders``: the hearings'."""
        self.directory = directory
        self.rulebook = rulebook
        self.clock = clock
        self.max_age = max_age
        self.calendar = calendar
        self.reminders = reminders

    def create(self, conn: Connection[Any]) -> None:
        ledger.create(conn)
        if self.reminders is not None:
            self.reminders.create(conn)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        for item in batch:
            self._apply(cur, item)

    def _apply(self, cur: Cursor[Any], item: Delivered) -> None:
        event = item.event
        case_id = event.originator_id
        last = _last_version(cur, case_id)
        if last is not None and event.originator_version <= last:
            return  # already applied: a redelivery or a replay
        case = self._remember(cur, event)
        referral = _referral_for(cur, event)
        intents, unroutable = intents_for(
            event, case, referral, self.directory, self.rulebook, self.calendar
        )
        for missing in unroutable:
            ALERTS.labels("none", missing.role, "unroutable").inc()
            log.warning(
                "alert_unroutable",
                case_id=str(case_id),
                event_type=type(event).__name__,
                role=missing.role,
                missing=missing.detail,
            )
        now = self.clock.now()
        stale = self.max_age is not None and now - event.timestamp > self.max_age
        status = "skipped" if stale else "pending"
        the_event = event_id(case_id, event.originator_version)
        rows = [
            ledger.NewDelivery(
                event_id=the_event,
                recipient=intent.recipient.id,
                channel=intent.recipient.channel,
                role=intent.role,
                template=intent.template,
                context=dict(intent.context),
                case_id=case_id,
                case_version=event.originator_version,
                event_type=type(event).__name__,
                event_occurred_at=event.occurred_at,
                position=item.position,
                correlation_id=event.correlation_id,
            )
            for intent in intents
        ]
        inserted = ledger.insert(cur, rows, now=now, status=status)
        if stale and inserted:
            for row in rows:
                ALERTS.labels(row.channel, row.role, "skipped").inc()
            log.warning(
                "alerts_skipped_as_too_old",
                case_id=str(case_id),
                event_type=type(event).__name__,
                alerts=inserted,
            )
        if self.reminders is not None:
            self.reminders.apply(cur, event, case, item.position, now)
        cur.execute(
            "UPDATE notify_cases SET last_version = %s WHERE case_id = %s",
            (event.originator_version, case_id),
        )

    def _remember(self, cur: Cursor[Any], event: ev.CaseEvent) -> CaseContext:
        """Update what the notifier keeps of the case; return it."""
        case_id = event.originator_id
        if isinstance(event, ev.Identified):
            cur.execute(
                """
                INSERT INTO notify_cases (
                    case_id, region, municipality, is_minor, case_type, last_version
                ) VALUES (%s, %s, %s, %s, %s, 0)
                ON CONFLICT (case_id) DO NOTHING
                """,
                (
                    case_id,
                    event.region,
                    event.municipality,
                    event.is_minor,
                    event.case_type,
                ),
            )
        else:
            cur.execute(
                "INSERT INTO notify_cases (case_id, last_version) VALUES (%s, 0) "
                "ON CONFLICT (case_id) DO NOTHING",
                (case_id,),
            )
        if isinstance(event, ev.Transferred):
            cur.execute(
                "UPDATE notify_cases SET region = %s WHERE case_id = %s",
                (event.to_region, case_id),
            )
        elif (
            isinstance(event, ev.EntryCorrected)
            and event.corrected_version == 1
            and event.field in _CORRECTABLE
        ):
            # The column name comes from the fixed set above, never from input.
            cur.execute(
                f"UPDATE notify_cases SET {event.field} = %s WHERE case_id = %s",
                (json.loads(event.value), case_id),
            )
        elif isinstance(event, ev.Referred):
            cur.execute(
                """
                INSERT INTO notify_referrals (
                    case_id, referral_id, version, referring_actor, agency, service
                ) VALUES (%s, %s, %s, %s, %s, %s)
                ON CONFLICT (case_id, referral_id) DO NOTHING
                """,
                (
                    case_id,
                    event.referral_id,
                    event.originator_version,
                    event.actor_id,
                    event.agency,
                    event.service,
                ),
            )
        row = cur.execute(
            "SELECT region, municipality, is_minor, case_type FROM notify_cases "
            "WHERE case_id = %s",
            (case_id,),
        ).fetchone()
        assert row is not None
        return CaseContext(case_id, row[0], row[1], bool(row[2]), row[3])


def _last_version(cur: Cursor[Any], case_id: UUID) -> int | None:
    row = cur.execute(
        "SELECT last_version FROM notify_cases WHERE case_id = %s", (case_id,)
    ).fetchone()
    return None if row is None else int(row[0])


def _referral_for(cur: Cursor[Any], event: ev.CaseEvent) -> ReferralRecord | None:
    """The referral an answer or a referral deadline is about, if any."""
    select = (
        "SELECT referral_id, version, referring_actor, agency, service "
        "FROM notify_referrals WHERE case_id = %s AND "
    )
    if isinstance(event, ev.ReferralAccepted | ev.ReferralDeclined):
        row = cur.execute(
            select + "referral_id = %s", (event.originator_id, event.referral_id)
        ).fetchone()
    elif isinstance(event, ev.DeadlineWarning | ev.DeadlineBreached):
        # Obligation ids are "<rule id>@<trigger version>[#k]".
        trigger = event.obligation_id.partition("@")[2].partition("#")[0]
        if not trigger.isdigit():
            return None
        row = cur.execute(
            select + "version = %s", (event.originator_id, int(trigger))
        ).fetchone()
    else:
        return None
    return None if row is None else ReferralRecord(*row)
