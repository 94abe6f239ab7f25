"""What each role may see: the message context of every kind of alert.

Built from primitives and stored with the intent in the ledger, so the ledger
holds no more than the messages will. Police get the case reference, region,
municipality, the minor flag and the time: never the pseudonymous subject
reference, let alone a name; nothing here ever takes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.catalogue import MUNICIPALITIES, REGIONS, SERVICES


@dataclass(frozen=True)
class CaseContext:
    """What the notifier keeps of a case to route its later events."""

    case_id: UUID
    region: str = ""
    municipality: str = ""
    is_minor: bool = False
    case_type: str = ""


@dataclass(frozen=True)
class Unroutable:
    """An alert the SOP requires for which the directory names nobody."""

    role: str
    detail: str


def case_ref(case_id: UUID) -> str:
    """A short reference people can say on the phone: not personal data."""
    return f"VT-{case_id.hex[:8].upper()}"


def _base(case_id: UUID, region: str) -> dict[str, Any]:
    return {
        "case_id": str(case_id),
        "case_ref": case_ref(case_id),
        "region": region,
        "region_label": REGIONS.get(region, region),
    }


def police_context(case: CaseContext, at: datetime) -> dict[str, Any]:
    """Police: reference, region, municipality, minor flag, time. Nothing else."""
    return {
        **_base(case.case_id, case.region),
        "municipality": MUNICIPALITIES.get(case.municipality, case.municipality),
        "is_minor": case.is_minor,
        "occurred_at": iso(at),
    }


def authority_context(case: CaseContext, at: datetime) -> dict[str, Any]:
    """The Responsible Authority also needs the kind of case to decide on status."""
    return {**police_context(case, at), "case_type": case.case_type}


def cpu_context(case: CaseContext, at: datetime) -> dict[str, Any]:
    return authority_context(case, at)


def referral_context(
    case_id: UUID,
    case: CaseContext | None,
    referral_id: str,
    service: str,
    agency: str,
) -> dict[str, Any]:
    return {
        **_base(case_id, case.region if case else ""),
        "referral_id": referral_id,
        "service": service,
        "service_label": SERVICES.get(service, service),
        "agency": agency,
    }


def deadline_context(
    case_id: UUID,
    case: CaseContext | None,
    *,
    kind: str,
    rule_id: str,
    obligation_id: str,
    due_at: datetime,
    role: str,
    occurred_at: datetime,
) -> dict[str, Any]:
    return {
        **_base(case_id, case.region if case else ""),
        "kind": kind,
        "rule_id": rule_id,
        "obligation_id": obligation_id,
        "due_at": iso(due_at),
        "recipient_role": role,
        "occurred_at": iso(occurred_at),
    }


def failure_context(
    case_id: UUID,
    case: CaseContext | None,
    *,
    failed_role: str,
    channel: str,
    failed_recipient: str,
    attempts: int,
    reason: str,
    occurred_at: datetime,
) -> dict[str, Any]:
    return {
        **_base(case_id, case.region if case else ""),
        "failed_role": failed_role,
        "channel": channel,
        "failed_recipient": failed_recipient,
        "attempts": attempts,
        "reason": reason,
        "occurred_at": iso(occurred_at),
    }


def unroutable_context(
    case: CaseContext, missing: Unroutable, event_type: str, occurred_at: datetime
) -> dict[str, Any]:
    return {
        **_base(case.case_id, case.region),
        "missing_role": missing.role,
        "municipality": MUNICIPALITIES.get(case.municipality, case.municipality),
        "event_type": event_type,
        "occurred_at": iso(occurred_at),
    }


def hearing_reminder_context(
    case: CaseContext, hearing_id: str, hearing_at: str, court: str, role: str
) -> dict[str, Any]:
    """A hearing's lawyer or psychologist: the case reference, the hearing,
    its local time (``hearing_at``, and ``hearing_shown`` as people read it)
    and its court's code (``""``: named in words on the case)."""
    day, _, hour = hearing_at.partition("T")
    shown = ".".join(reversed(day.split("-"))) + (f" {hour}" if hour else "")
    return {
        **_base(case.case_id, case.region),
        "hearing_id": hearing_id,
        "hearing_at": hearing_at,
        "hearing_shown": shown,
        "court": court,
        "recipient_role": role,
    }


def sample_contexts() -> dict[str, dict[str, Any]]:
    """One context per template, made by the builders above.

    Templates are checked against these at start, so a template naming a field
    the policy does not give is refused before any alert is due.
    """
    case_id = UUID("00000000-0000-4000-8000-000000000000")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    case = CaseContext(case_id, "vlora", "Vlorë", True, "trafficking")
    referral = referral_context(case_id, case, "r-1", "legal_assistance", "Agency")
    return {
        "identified_police": police_context(case, at),
        "identified_responsible_authority": authority_context(case, at),
        "identified_child_protection_unit": cpu_context(case, at),
        "referred": {**referral, "occurred_at": iso(at), "answer_by": iso(at)},
        "referral_answered": {
            **referral,
            "answer": "declined",
            "reason": "no place",
            "occurred_at": iso(at),
        },
        "deadline": deadline_context(
            case_id,
            case,
            kind="breach",
            rule_id="police-notified",
            obligation_id="police-notified@1",
            due_at=at,
            role="coordinator",
            occurred_at=at,
        ),
        "notification_failed": failure_context(
            case_id,
            case,
            failed_role="police",
            channel="email",
            failed_recipient="police-vlora",
            attempts=5,
            reason="SMTP 554",
            occurred_at=at,
        ),
        "unroutable": unroutable_context(
            case, Unroutable("child_protection_unit", "municipality"), "Identified", at
        ),
        "hearing_reminder": hearing_reminder_context(
            case, "H-1", "2026-01-20T09:30", "first_instance_vlore", "lawyer"
        ),
    }


def iso(moment: datetime) -> str:
    """A time as stored in message contexts: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()
