"""Cases and their events as plain values.

What the application service hands out: never an aggregate or a stored event.
Plain values read as times and ids: ``services.app.parsing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.case import Case
from domain.events import CaseEvent, payload_of
from domain.facts import CaseFact


def case_summary(case: Case) -> dict[str, Any]:
    """The state of a case as plain values (no personal data: a pseudonym only)."""
    return {
        "case_id": str(case.id),
        "version": case.version,
        "subject_ref": case.subject_ref,
        "region": case.region,
        "municipality": case.municipality,
        "is_minor": case.is_minor,
        "case_type": case.case_type,
        "identified_at": case.identified_at.isoformat() if case.identified_at else None,
        "status": case.status or None,
        "closed": case.closed,
        "close_reason": case.close_reason or None,
        "consents": sorted(case.consents),
        "notified": sorted(case.notified),
        # Directory entry ids (offices, never people): who each alert went to.
        "alert_recipients": {
            authority: sorted(case.recipients(authority))
            for authority in sorted(case.notified)
        },
        "referrals": {
            rid: {"service": r.service, "agency": r.agency, "status": r.status}
            for rid, r in sorted(case.referrals.items())
        },
        "services": dict(sorted(case.services.items())),
        "personal_data_erased": case.personal_data_erased,
        # The worker responsible for the case (a user id, never a person helped).
        "owner": case.owner,
    }


@dataclass(frozen=True)
class RecordedEvent:
    """One recorded event of a case, as plain values."""

    case_id: UUID
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    correlation_id: str
    payload: Mapping[str, Any]

    def summary(self) -> dict[str, Any]:
        """The event as JSON-ready values (times as ISO 8601 text)."""
        return {
            "version": self.version,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "correlation_id": self.correlation_id,
            "payload": _plain(self.payload),
        }

    def fact(self) -> CaseFact:
        """The event as a fact for the SOP rule model."""
        return CaseFact(
            case_id=self.case_id,
            version=self.version,
            type=self.type,
            occurred_at=self.occurred_at,
            recorded_at=self.recorded_at,
            attributes=self.payload,
        )


def recorded(event: CaseEvent) -> RecordedEvent:
    """A stored case event as plain values."""
    return RecordedEvent(
        case_id=event.originator_id,
        version=event.originator_version,
        type=type(event).__name__,
        occurred_at=event.occurred_at,
        recorded_at=event.timestamp,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        correlation_id=event.correlation_id,
        payload=payload_of(event),
    )


def event_summary(event: CaseEvent) -> dict[str, Any]:
    """One stored event as JSON-ready values."""
    return recorded(event).summary()


def _plain(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in payload.items()
    }
