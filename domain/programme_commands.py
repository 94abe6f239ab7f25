"""The commands of the assistance programme: referrals to services and their
answers, the needs and the plan agreed, and the services started, completed
or discontinued. Declared like every command (``domain.commands``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import events as ev
from domain.case import Case
from domain.command_declaration import CaseCommand, Declaration
from domain.offering import (
    choices,
    known_agencies,
    made,
    next_referral_id,
    referral_to_answer,
    referral_to_complete,
    referrals_to_answer,
    referrals_to_complete,
    running_services,
    service_referrals,
    service_running,
    services_to_start,
)


@dataclass(frozen=True, kw_only=True)
class Refer(CaseCommand):
    """Refer the person to a service; needs consent or a recorded reason."""

    declaration = Declaration(
        Case.refer, ev.Referred, "Refer to a service", path="refer"
    )
    referral_id: str = field(metadata=made(next_referral_id))
    service: str
    agency: str = field(metadata=choices(known_agencies))
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
        offered=referral_to_answer,
    )
    referral_id: str = field(metadata=choices(referrals_to_answer))


@dataclass(frozen=True, kw_only=True)
class DeclineReferral(CaseCommand):
    """Decline a referral, with the reason."""

    declaration = Declaration(
        Case.decline_referral,
        ev.ReferralDeclined,
        "Decline a referral",
        path="decline-referral",
        offered=referral_to_answer,
    )
    referral_id: str = field(metadata=choices(referrals_to_answer))
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
        offered=referral_to_complete,
    )
    referral_id: str = field(metadata=choices(referrals_to_complete))


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
    service: str = field(metadata=choices(services_to_start))
    referral_id: str = field(default="", metadata=choices(service_referrals))


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
        offered=service_running,
    )
    service: str = field(metadata=choices(running_services))
    referral_id: str = field(default="", metadata=choices(service_referrals))


@dataclass(frozen=True, kw_only=True)
class DiscontinueService(CaseCommand):
    """Discontinue a running service, with the reason."""

    declaration = Declaration(
        Case.discontinue_service,
        ev.ServiceDiscontinued,
        "Discontinue a service",
        path="discontinue-service",
        offered=service_running,
    )
    service: str = field(metadata=choices(running_services))
    referral_id: str = field(default="", metadata=choices(service_referrals))
    reason: str
