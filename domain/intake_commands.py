"""The first steps after an identification: the authorities told and their
acknowledgements, the person's consent, the Responsible Authority's status
decision and the risk assessment. Declared like every command
(``domain.commands``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import events as ev
from domain.case import Case
from domain.command_declaration import CaseCommand, Declaration
from domain.offering import (
    alert_unacknowledged,
    channels_people_use,
    choices,
    consent_given,
    consent_givers,
    given_consents,
    unacknowledged_authorities,
)


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
    channel: str = field(metadata=choices(channels_people_use))
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
        offered=alert_unacknowledged,
    )
    authority: str = field(metadata=choices(unacknowledged_authorities))
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
    given_by: str = field(metadata=choices(consent_givers))


@dataclass(frozen=True, kw_only=True)
class WithdrawConsent(CaseCommand):
    """Record that a consent was withdrawn."""

    declaration = Declaration(
        Case.withdraw_consent,
        ev.ConsentWithdrawn,
        "Withdraw consent",
        path="withdraw-consent",
        offered=consent_given,
    )
    scope: str = field(metadata=choices(given_consents))


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
