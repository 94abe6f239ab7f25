"""The commands on a case: one declaration each, the one source of truth.

A command is a frozen dataclass of primitives: its fields are its body. Its
``declaration`` names the ``Case`` method that runs it, the event it records,
its HTTP route (``POST /api/cases/{case_id}/<path>``; none for the commands
only the backbone or ``vatra`` records), its summary and who may record it.
The identification, which opens a case (``POST /api/cases``), is declared the
same way in ``domain.opening_commands``; the assignment of its owner in
``domain.owner_commands``.
The bounds of each field are the rule ``domain.fields`` has for the field of
the same name in the recorded event (or the rule given beside the field).

The application service runs these objects; the HTTP API builds its routes,
its body models and so its OpenAPI document from them; the page forms will
too. Declaring a new command takes one class here and its ``Case`` method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import events as ev
from domain.case import Case
from domain.command_declaration import (
    COMMANDS,
    OPENING_COMMANDS,
    CaseCommand,
    Command,
    Declaration,
    FieldValue,
    OpeningCommand,
    RecordedBy,
    about,
    command_named,
    every_command,
    ruled,
)
from domain.fields import line
from domain.opening_commands import Identify
from domain.owner_commands import AssignCase
from domain.system_commands import (
    BreachDeadline,
    ErasePersonalData,
    RecordNotificationFailure,
    WarnDeadline,
)

__all__ = [
    "COMMANDS",
    "OPENING_COMMANDS",
    "AssignCase",
    "BreachDeadline",
    "CaseCommand",
    "Command",
    "Declaration",
    "ErasePersonalData",
    "FieldValue",
    "Identify",
    "OpeningCommand",
    "RecordNotificationFailure",
    "RecordedBy",
    "WarnDeadline",
    "command_named",
    "every_command",
]


@dataclass(frozen=True, kw_only=True)
class RecordNotification(CaseCommand):
    """Record that an authority was told of the case (e.g. by phone)."""

    declaration = Declaration(
        Case.record_notification,
        ev.AuthorityNotified,
        "Record a notification",
        path="notify",
        body="Notify",
    )
    authority: str
    channel: str
    recipient: str
    reference: str = ""


@dataclass(frozen=True, kw_only=True)
class AcknowledgeAlert(CaseCommand):
    """Record that a notified authority acknowledged the alert."""

    declaration = Declaration(
        Case.acknowledge_alert,
        ev.AlertAcknowledged,
        "Record an acknowledgement",
        path="acknowledge",
        body="Acknowledge",
    )
    authority: str
    reference: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordConsent(CaseCommand):
    """Record the person's (or a minor's guardian's) consent."""

    declaration = Declaration(
        Case.record_consent,
        ev.ConsentRecorded,
        "Record consent",
        path="consent",
        body="Consent",
    )
    scope: str
    given_by: str


@dataclass(frozen=True, kw_only=True)
class WithdrawConsent(CaseCommand):
    """Record that a consent was withdrawn."""

    declaration = Declaration(
        Case.withdraw_consent,
        ev.ConsentWithdrawn,
        "Withdraw consent",
        path="withdraw-consent",
    )
    scope: str


@dataclass(frozen=True, kw_only=True)
class DetermineStatus(CaseCommand):
    """The Responsible Authority's formal decision on the person's status."""

    declaration = Declaration(
        Case.determine_status,
        ev.StatusDetermined,
        "Determine status",
        path="determine-status",
        recorded_by="responsible_authority",
    )
    status: str


@dataclass(frozen=True, kw_only=True)
class AssessRisk(CaseCommand):
    """Record a risk assessment."""

    declaration = Declaration(
        Case.assess_risk, ev.RiskAssessed, "Assess risk", path="assess-risk"
    )
    level: str


@dataclass(frozen=True, kw_only=True)
class Refer(CaseCommand):
    """Refer the person to a service; needs consent or a recorded reason."""

    declaration = Declaration(
        Case.refer, ev.Referred, "Refer to a service", path="refer"
    )
    referral_id: str
    service: str
    agency: str
    consent_override_reason: str = ""


_REFERRAL_ANSWER = "ReferralAnswer", "Accept or complete a referral."


@dataclass(frozen=True, kw_only=True)
class AcceptReferral(CaseCommand):
    """Record that the service accepted the referral."""

    declaration = Declaration(
        Case.accept_referral,
        ev.ReferralAccepted,
        "Accept a referral",
        path="accept-referral",
        body=_REFERRAL_ANSWER[0],
        body_doc=_REFERRAL_ANSWER[1],
    )
    referral_id: str


@dataclass(frozen=True, kw_only=True)
class DeclineReferral(CaseCommand):
    """Decline a referral, with the reason."""

    declaration = Declaration(
        Case.decline_referral,
        ev.ReferralDeclined,
        "Decline a referral",
        path="decline-referral",
    )
    referral_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class CompleteReferral(CaseCommand):
    """Record that an accepted referral was completed."""

    declaration = Declaration(
        Case.complete_referral,
        ev.ReferralCompleted,
        "Complete a referral",
        path="complete-referral",
        body=_REFERRAL_ANSWER[0],
        body_doc=_REFERRAL_ANSWER[1],
    )
    referral_id: str


@dataclass(frozen=True, kw_only=True)
class AssessNeeds(CaseCommand):
    """Record the services the person needs."""

    declaration = Declaration(
        Case.assess_needs, ev.NeedsAssessed, "Assess needs", path="assess-needs"
    )
    needs: list[str]


@dataclass(frozen=True, kw_only=True)
class AgreePlan(CaseCommand):
    """Record the assistance plan agreed with the person."""

    declaration = Declaration(
        Case.agree_plan, ev.AssistancePlanAgreed, "Agree a plan", path="agree-plan"
    )
    services: list[str]


_SERVICE_STEP = "ServiceStep", "Start or complete a service of the programme."


@dataclass(frozen=True, kw_only=True)
class StartService(CaseCommand):
    """Record that a service of the programme started."""

    declaration = Declaration(
        Case.start_service,
        ev.ServiceStarted,
        "Start a service",
        path="start-service",
        body=_SERVICE_STEP[0],
        body_doc=_SERVICE_STEP[1],
    )
    service: str
    referral_id: str = ""


@dataclass(frozen=True, kw_only=True)
class CompleteService(CaseCommand):
    """Record that a running service was completed."""

    declaration = Declaration(
        Case.complete_service,
        ev.ServiceCompleted,
        "Complete a service",
        path="complete-service",
        body=_SERVICE_STEP[0],
        body_doc=_SERVICE_STEP[1],
    )
    service: str
    referral_id: str = ""


@dataclass(frozen=True, kw_only=True)
class DiscontinueService(CaseCommand):
    """Discontinue a running service, with the reason."""

    declaration = Declaration(
        Case.discontinue_service,
        ev.ServiceDiscontinued,
        "Discontinue a service",
        path="discontinue-service",
    )
    service: str
    referral_id: str = ""
    reason: str


@dataclass(frozen=True, kw_only=True)
class IssueProtectionOrder(CaseCommand):
    """Record a protection order a court issued."""

    declaration = Declaration(
        Case.issue_protection_order,
        ev.ProtectionOrderIssued,
        "Record a protection order",
        path="protection-order",
        body="ProtectionOrder",
    )
    court: str
    reference: str = ""


@dataclass(frozen=True, kw_only=True)
class CompleteFollowUp(CaseCommand):
    """Record a follow-up contact (also after closing as reintegrated)."""

    declaration = Declaration(
        Case.complete_follow_up,
        ev.FollowUpCompleted,
        "Record a follow-up",
        path="follow-up",
        body="FollowUp",
    )
    method: str
    outcome: str = ""


@dataclass(frozen=True, kw_only=True)
class MissFollowUp(CaseCommand):
    """Record a follow-up that did not take place, with the reason."""

    declaration = Declaration(
        Case.miss_follow_up,
        ev.FollowUpMissed,
        "Record a missed follow-up",
        path="missed-follow-up",
        body="MissedFollowUp",
    )
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordReturn(CaseCommand):
    """Record the person's return to a country."""

    declaration = Declaration(
        Case.record_return,
        ev.ReturnedToCountry,
        "Record a return",
        path="return",
        body="Return",
    )
    country: str = field(metadata=about("ISO 3166 alpha-2 code."))
    assisted: bool


@dataclass(frozen=True, kw_only=True)
class Transfer(CaseCommand):
    """Move the case to another region."""

    declaration = Declaration(
        Case.transfer, ev.Transferred, "Transfer to another region", path="transfer"
    )
    to_region: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Close(CaseCommand):
    """Close the case."""

    declaration = Declaration(Case.close, ev.Closed, "Close the case", path="close")
    reason: str


@dataclass(frozen=True, kw_only=True)
class Reopen(CaseCommand):
    """Reopen a closed case, with the reason."""

    declaration = Declaration(
        Case.reopen, ev.Reopened, "Reopen the case", path="reopen"
    )
    reason: str


@dataclass(frozen=True, kw_only=True)
class CorrectEntry(CaseCommand):
    """Correct one field of an earlier entry; the original stays in the record."""

    declaration = Declaration(
        Case.correct_entry,
        ev.EntryCorrected,
        "Correct an entry",
        path="correct",
        recorded_by="own_entries",
        body="Correct",
    )
    corrected_version: int
    field_name: str = field(metadata=ruled(line("field_name")))
    value: FieldValue = field(
        metadata=about(
            "The new value, of the field's type and within the field's own "
            "bounds (occurred_at: ISO 8601 with an offset)."
        )
    )
    reason: str
