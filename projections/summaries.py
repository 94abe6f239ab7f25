"""One line a caseworker reads for each event on a case timeline.

Lines name codes by their labels and never carry personal data: events hold
none, and a summary adds none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from domain.catalogue import AUTHORITIES, MUNICIPALITIES, REGIONS, SERVICES
from projections.clinic_summaries import CLINIC_LINES

if TYPE_CHECKING:
    from domain.events import CaseEvent


def _service(code: str) -> str:
    return SERVICES.get(code, code)


def _authority(code: str) -> str:
    return AUTHORITIES.get(code, code)


def _identified(p: Mapping[str, Any]) -> str:
    who = "a minor" if p["is_minor"] else "an adult"
    kind = str(p["case_type"]).replace("_", " ")
    return (
        f"Identified {who} ({kind}) in {REGIONS.get(p['region'], p['region'])}, "
        f"{MUNICIPALITIES.get(p['municipality'], p['municipality'])}, "
        f"via {str(p['source']).replace('_', ' ')}"
    )


LINES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "Identified": _identified,
    "AuthorityNotified": lambda p: (
        f"{_authority(p['authority'])} notified by {p['channel']}"
    ),
    "NotificationFailed": lambda p: (
        f"Alert to {_authority(p['authority'])} by {p['channel']} failed after "
        f"{p['attempts']} attempts: {p['reason']}"
    ),
    "AlertAcknowledged": lambda p: (
        f"{_authority(p['authority'])} acknowledged the alert"
    ),
    "ConsentRecorded": lambda p: (
        f"Consent to {p['scope'].replace('_', ' ')} recorded (given by {p['given_by']})"
    ),
    "ConsentWithdrawn": lambda p: (
        f"Consent to {p['scope'].replace('_', ' ')} withdrawn"
    ),
    "StatusDetermined": lambda p: (
        "Status determined: " + str(p["status"]).replace("_", " ")
    ),
    "RiskAssessed": lambda p: f"Risk assessed as {p['level']}",
    "Referred": lambda p: (
        f"Referred to {_service(p['service'])} at {p['agency']}"
        + (
            " without consent: " + p["consent_override_reason"]
            if p["consent_override_reason"]
            else ""
        )
    ),
    "ReferralAccepted": lambda p: f"Referral to {_service(p['service'])} accepted",
    "ReferralDeclined": lambda p: (
        f"Referral to {_service(p['service'])} declined: {p['reason']}"
    ),
    "ReferralCompleted": lambda p: f"Referral to {_service(p['service'])} completed",
    "NeedsAssessed": lambda p: f"Needs assessed: {len(p['needs'])} services needed",
    "AssistancePlanAgreed": lambda p: (
        f"Assistance plan agreed with {len(p['services'])} services"
    ),
    "ServiceStarted": lambda p: f"{_service(p['service'])} started",
    "ServiceCompleted": lambda p: f"{_service(p['service'])} completed",
    "ServiceDiscontinued": lambda p: (
        f"{_service(p['service'])} discontinued: {p['reason']}"
    ),
    "ProtectionOrderIssued": lambda p: f"Protection order issued by {p['court']}",
    "FollowUpCompleted": lambda p: f"Follow-up by {p['method']}: {p['outcome']}",
    "FollowUpMissed": lambda p: f"Follow-up missed: {p['reason']}",
    "ReturnedToCountry": lambda p: (
        f"Returned to {p['country']}" + (" (assisted)" if p["assisted"] else "")
    ),
    "Transferred": lambda p: (
        f"Transferred to {REGIONS.get(p['to_region'], '?')}: {p['reason']}"
    ),
    "Closed": lambda p: "Case closed: " + str(p["reason"]).replace("_", " "),
    "Reopened": lambda p: f"Case reopened: {p['reason']}",
    "EntryCorrected": lambda p: (
        f"Entry {p['corrected_version']} corrected ({p['field']}): {p['reason']}"
    ),
    "DeadlineWarning": lambda p: f"SOP deadline near: {p['rule_id']}",
    "DeadlineBreached": lambda p: f"SOP deadline missed: {p['rule_id']}",
    # The pseudonym is not repeated: the line says what happened and why.
    "PersonalDataErased": lambda p: f"Personal data erased: {p['reason']}",
    "AttachmentAdded": lambda p: (
        "Document added" if p["kind"] == "document" else "Note added"
    ),
    "CaseAssigned": lambda p: (
        f"Case handed over from {p['previous_owner']} to {p['owner']}"
        if p["previous_owner"]
        else f"Case assigned to {p['owner']}"
    ),
    **CLINIC_LINES,
}


def summary_of(event: CaseEvent, payload: dict[str, Any] | None = None) -> str:
    """The timeline line for ``event`` (whose ``payload``, if known already)."""
    # Imported here: reading lines (``line_of``) needs no event class.
    from domain.events import payload_of  # noqa: PLC0415

    return line_of(
        type(event).__name__, payload_of(event) if payload is None else payload
    )


def line_of(event_type: str, payload: Mapping[str, Any]) -> str:
    """The timeline line for an event of ``event_type`` with ``payload``."""
    line = LINES.get(event_type)
    if line is None:
        return event_type
    return line(payload)
