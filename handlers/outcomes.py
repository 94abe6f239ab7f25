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
from domain.errors import DomainError
from handlers.ledger import Delivery
from handlers.ports import CaseAlerts, CaseChanged, OutcomeRefused

log = structlog.get_logger("vatra.notify")


class CaseOutcomes:
    """Writes delivery outcomes onto cases through the ``CaseAlerts`` port."""

    def __init__(self, cases: CaseAlerts, *, attempts: int = 5) -> None:
        self.cases = cases
        self.attempts = attempts

    def record(self, delivery: Delivery, *, reason: str = "") -> str:
        """Record the outcome of ``delivery``: ``recorded``, ``already`` or
        ``refused`` (the case refused it; logged, never retried forever).

        Raises ``CaseChanged`` when the case kept changing under every attempt.
        """
        assert delivery.finished_at is not None
        case_id = str(delivery.case_id)
        delivery_id = str(delivery.delivery_id)
        notified = delivery.outcome == "notified"
        conflict = CaseChanged(f"case {case_id} kept changing")
        for _attempt in range(self.attempts):
            facts = self.cases.facts(case_id)
            if delivery_id in (facts.notified if notified else facts.failed):
                return "already"
            # Never before the identification (entered with a fast clock).
            occurred_at = max(as_utc(delivery.finished_at), facts.identified_at)
            try:
                if notified:
                    self.cases.record_notified(
                        case_id,
                        expected_version=facts.version,
                        occurred_at=occurred_at,
                        delivery_id=delivery_id,
                        authority=delivery.role,
                        channel=delivery.channel,
                        recipient=delivery.recipient,
                    )
                else:
                    self.cases.record_failed(
                        case_id,
                        expected_version=facts.version,
                        occurred_at=occurred_at,
                        delivery_id=delivery_id,
                        authority=delivery.role,
                        channel=delivery.channel,
                        recipient=delivery.recipient,
                        reason=reason or delivery.last_error or "unknown",
                        attempts=delivery.attempts,
                    )
            except CaseChanged as error:
                conflict = error
                continue  # another writer saved first: reload and try again
            except (DomainError, OutcomeRefused) as error:
                log.error(
                    "alert_outcome_refused",
                    case_id=case_id,
                    delivery_id=delivery_id,
                    error=error.kind
                    if isinstance(error, OutcomeRefused)
                    else type(error).__name__,
                    reason=error.message,
                )
                return "refused"
            return "recorded"
        raise conflict


def latency(delivery: Delivery, delivered_at: datetime) -> float:
    """Seconds from the event's occurred_at to the delivery."""
    return max((delivered_at - delivery.event_occurred_at).total_seconds(), 0.0)
