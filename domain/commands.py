"""The commands on a case: one declaration each, the one source of truth.

A command is a frozen dataclass of primitives: its fields are its body. Its
``declaration`` names the ``Case`` method that runs it, the event it records,
its HTTP route (``POST /api/cases/{case_id}/<path>``; none for the commands
only the backbone or ``vatra`` records), its summary, who may record it and
when the step makes sense on a case (``domain.offering``). Beside a field, the
values the case allows for it now (``choices``) or that the backbone makes it
(``made``). The identification, which opens a case (``POST /api/cases``), is
declared the same way in ``domain.opening_commands``; the first steps after
it in ``domain.intake_commands``, the assistance programme in
``domain.programme_commands``, the assignment of its owner in
``domain.owner_commands``, and the rest of a case's life here.
The bounds of each field are the rule ``domain.fields`` has for the field of
the same name in the recorded event (or the rule given beside the field).

The application service runs these objects; the HTTP API builds its routes,
its body models and so its OpenAPI document from them, and the pages their
forms. Declaring a new command takes one class and its ``Case`` method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import events as ev
from domain.case import Case
from domain.clinic_commands import (
    AssignHearingCompanions,
    AwardCompensation,
    ClaimCompensation,
    FileAppeal,
    FileComplaint,
    GiveStatement,
    GrantLegalAid,
    HoldConsultation,
    HoldCounsellingSession,
    HoldHearing,
    OpenClinicCase,
    OpenProceedings,
    PostponeHearing,
    RecordCompensationPaid,
    RecordJudgment,
    ReportOrderViolation,
    RequestProtectionOrder,
    ScheduleHearing,
)
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
from domain.intake_commands import (
    AcknowledgeAlert,
    AssessRisk,
    DetermineStatus,
    RecordConsent,
    RecordNotification,
    WithdrawConsent,
)
from domain.offering import (
    case_closed,
    choices,
    correctable_entries,
    entry_to_correct,
    follow_up_due,
    other_regions,
)
from domain.opening_commands import Identify
from domain.owner_commands import AssignCase
from domain.programme_commands import (
    AcceptReferral,
    AgreePlan,
    AssessNeeds,
    CompleteReferral,
    CompleteService,
    DeclineReferral,
    DiscontinueService,
    Refer,
    StartService,
)
from domain.system_commands import (
    AddAttachment,
    BreachDeadline,
    ErasePersonalData,
    RecordNotificationFailure,
    WarnDeadline,
)

__all__ = [
    "COMMANDS",
    "OPENING_COMMANDS",
    "AcceptReferral",
    "AcknowledgeAlert",
    "AddAttachment",
    "AgreePlan",
    "AssessNeeds",
    "AssessRisk",
    "AssignCase",
    "AssignHearingCompanions",
    "AwardCompensation",
    "BreachDeadline",
    "CaseCommand",
    "ClaimCompensation",
    "Command",
    "CompleteReferral",
    "CompleteService",
    "Declaration",
    "DeclineReferral",
    "DetermineStatus",
    "DiscontinueService",
    "ErasePersonalData",
    "FieldValue",
    "FileAppeal",
    "FileComplaint",
    "GiveStatement",
    "GrantLegalAid",
    "HoldConsultation",
    "HoldCounsellingSession",
    "HoldHearing",
    "Identify",
    "OpenClinicCase",
    "OpenProceedings",
    "OpeningCommand",
    "PostponeHearing",
    "RecordCompensationPaid",
    "RecordConsent",
    "RecordJudgment",
    "RecordNotification",
    "RecordNotificationFailure",
    "RecordedBy",
    "Refer",
    "ReportOrderViolation",
    "RequestProtectionOrder",
    "ScheduleHearing",
    "StartService",
    "WarnDeadline",
    "WithdrawConsent",
    "command_named",
    "every_command",
]


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
    expires_on: str = field(
        default="", metadata=about("The day the order ends (YYYY-MM-DD); empty: none.")
    )


@dataclass(frozen=True, kw_only=True)
class CompleteFollowUp(CaseCommand):
    """Record a follow-up contact (also after closing as reintegrated)."""

    declaration = Declaration(
        Case.complete_follow_up,
        ev.FollowUpCompleted,
        "Record a follow-up",
        path="follow-up",
        body="FollowUp",
        offered=follow_up_due,
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
        offered=follow_up_due,
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
    to_region: str = field(metadata=choices(other_regions))
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
        Case.reopen, ev.Reopened, "Reopen the case", path="reopen", offered=case_closed
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
        offered=entry_to_correct,
    )
    corrected_version: int = field(metadata=choices(correctable_entries))
    field_name: str = field(metadata=ruled(line("field_name")))
    value: FieldValue = field(
        metadata=about(
            "The new value, of the field's type and within the field's own "
            "bounds (occurred_at: ISO 8601 with an offset)."
        )
    )
    reason: str
