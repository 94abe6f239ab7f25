"""Recording what happened to an alert on its case, exactly once.

A delivered alert to the police, the Responsible Authority or a Child
Protection Unit becomes ``AuthorityNotified`` (occurred at the delivery time,
recipient = the contact id, reference = the delivery id), so SOP compliance
is judged by real delivery times. An alert that failed for good becomes
``NotificationFailed``. Both carry the delivery id as correlation id; before
writing, the case's events are searched for it, so a crash between writing
the event and marking the ledger never records it twice.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from domain.clock import as_utc
from domain.commands import (
    CaseCommand,
    RecordNotification,
    RecordNotificationFailure,
)
from domain.errors import DomainError
from domain.events import AuthorityNotified, NotificationFailed
from handlers.ledger import Delivery
from services.app.errors import ServiceError, VersionConflict
from services.app.service import CaseService

log = structlog.get_logger("vatra.notify")

ACTOR = {"actor_id": "vatra-notifier", "actor_role": "system"}


class CaseOutcomes:
    """Writes delivery outcomes onto cases through the application service."""

    def __init__(self, service: CaseService, *, attempts: int = 5) -> None:
        self.service = service
        self.attempts = attempts

    def record(self, delivery: Delivery, *, reason: str = "") -> str:
        """Record the outcome of ``delivery``: ``recorded``, ``already`` or
        ``refused`` (the case refused it; logged, never retried forever)."""
        assert delivery.finished_at is not None
        case_id = str(delivery.case_id)
        wanted = (
            AuthorityNotified if delivery.outcome == "notified" else NotificationFailed
        )
        for _attempt in range(self.attempts):
            events = self.service.events(case_id)
            if any(
                e.type == wanted.__name__
                and e.correlation_id == str(delivery.delivery_id)
                for e in events
            ):
                return "already"
            identified_at = events[0].occurred_at
            try:
                self.service.run(
                    self._command(delivery, reason),
                    case_id,
                    expected_version=events[-1].version,
                    # Never before the identification (entered with a fast clock).
                    occurred_at=max(as_utc(delivery.finished_at), identified_at),
                    correlation_id=str(delivery.delivery_id),
                    **ACTOR,
                )
            except VersionConflict:
                continue  # another writer saved first: reload and try again
            except (DomainError, ServiceError) as error:
                log.error(
                    "alert_outcome_refused",
                    case_id=case_id,
                    delivery_id=str(delivery.delivery_id),
                    error=type(error).__name__,
                    reason=error.message,
                )
                return "refused"
            return "recorded"
        raise VersionConflict(
            f"case {case_id} kept changing while recording an alert outcome",
            expected=-1,
            actual=None,
        )

    @staticmethod
    def _command(delivery: Delivery, reason: str) -> CaseCommand:
        if delivery.outcome == "notified":
            return RecordNotification(
                authority=delivery.role,
                channel=delivery.channel,
                recipient=delivery.recipient,
                reference=str(delivery.delivery_id),
            )
        return RecordNotificationFailure(
            authority=delivery.role,
            channel=delivery.channel,
            recipient=delivery.recipient,
            reason=reason or delivery.last_error or "unknown",
            attempts=delivery.attempts,
        )


def latency(delivery: Delivery, delivered_at: datetime) -> float:
    """Seconds from the event's occurred_at to the delivery."""
    return max((delivered_at - delivery.event_occurred_at).total_seconds(), 0.0)
