"""The commands on a case: one declaration each, the one source of truth.

A command is a frozen dataclass of primitives: its fields are its body. Its
``declaration`` names the ``Case`` method that runs it, the event it records,
its HTTP route (``POST /api/cases/{case_id}/<path>``; none for the commands
only the backbone or ``vatra`` records), its summary and who may record it.
The bounds of each field are the rule ``domain.fields`` has for the field of
the same name in the recorded event (or the rule given beside the field).

The application service runs these objects; the HTTP API builds its routes,
its body models and so its OpenAPI document from them; the page forms will
too. Declaring a new command takes one class here and its ``Case`` method.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from domain import events as ev
from domain.case import Case
from domain.fields import ENTRY_FIELDS, Rule, line
from domain.stamp import Stamp

# Who may record a command, where that is known before reading the case:
# caseworkers (of the case's region); only the Responsible Authority; only the
# backbone itself (the notifier, the SOP clock); the roles that erase
# (``domain.case.ERASERS``, through ``vatra erase``); or any side, for the
# entries it recorded itself (the case decides whose entry is whose).
RecordedBy = Literal[
    "caseworkers", "responsible_authority", "system", "erasers", "own_entries"
]
# The value of any field of an entry: what a correction carries.
FieldValue = str | bool | list[str] | datetime


@dataclass(frozen=True)
class Declaration:
    """What a command is, besides its fields."""

    method: Callable[..., None]
    records: type[ev.CaseEvent]
    summary: str
    path: str | None = None
    recorded_by: RecordedBy = "caseworkers"
    # The name (and description) of the body in the OpenAPI document, when
    # several commands share one body; by default the command's own.
    body: str = ""
    body_doc: str = ""

    @property
    def name(self) -> str:
        """The command's name: that of its ``Case`` method."""
        return self.method.__name__


def about(description: str) -> dict[str, Any]:
    """A command field's metadata: its description for the people who fill it in."""
    return {"description": description}


def ruled(rule: Rule) -> dict[str, Any]:
    """A command field's metadata: its rule, when it is not that of the recorded
    event's field of the same name."""
    return {"rule": rule}


# Command name -> command class, in the order of a case's life.
COMMANDS: dict[str, type[CaseCommand]] = {}


class CaseCommand:
    """A command on an existing case: its fields are the ``Case`` method's
    keyword arguments."""

    declaration: ClassVar[Declaration]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        COMMANDS[cls.declaration.name] = cls

    def arguments(self) -> dict[str, Any]:
        """The command's fields, as the domain method's keyword arguments."""
        return dataclasses.asdict(self)  # type: ignore[call-overload,no-any-return]

    def run(self, case: Case, stamp: Stamp, **arguments: Any) -> None:
        """Run the command on ``case``; ``arguments`` replace its own fields."""
        self.declaration.method(case, stamp, **{**self.arguments(), **arguments})

    @classmethod
    def rules(cls) -> Mapping[str, Rule | None]:
        """Each field's rule (``None``: the case checks it)."""
        entry = ENTRY_FIELDS.get(cls.declaration.records.__name__, {})
        return {
            f.name: f.metadata.get("rule", entry.get(f.name))
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        }


def command_named(name: str) -> type[CaseCommand]:
    """The command class of ``name`` (a scenario or a test names it as data)."""
    try:
        return COMMANDS[name]
    except KeyError:
        raise LookupError(
            f"unknown command {name!r}; commands: {', '.join(sorted(COMMANDS))}"
        ) from None


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
class RecordNotificationFailure(CaseCommand):
    """Record that an alert could not be delivered after every attempt."""

    declaration = Declaration(
        Case.record_notification_failure,
        ev.NotificationFailed,
        "Record a failed alert",
        recorded_by="system",
    )
    authority: str
    channel: str
    recipient: str
    reason: str
    attempts: int


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


@dataclass(frozen=True, kw_only=True)
class WarnDeadline(CaseCommand):
    """Record that an SOP deadline is near; once per obligation deadline."""

    declaration = Declaration(
        Case.warn_deadline,
        ev.DeadlineWarning,
        "Record a deadline warning",
        recorded_by="system",
    )
    obligation_id: str
    rule_id: str
    ruleset_version: str
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class BreachDeadline(CaseCommand):
    """Record that an SOP deadline passed unmet; once per obligation deadline."""

    declaration = Declaration(
        Case.breach_deadline,
        ev.DeadlineBreached,
        "Record a deadline breach",
        recorded_by="system",
    )
    obligation_id: str
    rule_id: str
    ruleset_version: str
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class ErasePersonalData(CaseCommand):
    """Record that the person's personal data is to be erased."""

    declaration = Declaration(
        Case.erase_personal_data,
        ev.PersonalDataErased,
        "Erase the person's personal data",
        recorded_by="erasers",
    )
    reason: str
