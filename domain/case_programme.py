"""The assistance programme of a case: referrals to services, the needs and
the plan agreed, and the services started, completed or discontinued."""

from __future__ import annotations

from domain import events as ev
from domain.case_state import require
from domain.case_steps import CaseSteps
from domain.catalogue import SERVICES, check_code
from domain.errors import ConsentRequired, DomainError, ReferralError
from domain.stamp import Stamp


class ProgrammeSteps(CaseSteps):
    """Commands about referrals and the services of the programme."""

    def refer(
        self,
        stamp: Stamp,
        *,
        referral_id: str,
        service: str,
        agency: str,
        consent_override_reason: str = "",
    ) -> None:
        """Refer the person to a service; needs consent or a recorded reason."""
        self._check_open(stamp)
        check_code("service", service, SERVICES, field="service")
        require("referral_id", referral_id)
        require("agency", agency)
        if referral_id in self.referrals:
            raise ReferralError(
                f"referral {referral_id} already exists on this case",
                kind="referral_exists",
                field="referral_id",
            )
        if "services" not in self.consents and not consent_override_reason.strip():
            raise ConsentRequired(
                "the person has not consented to services: record their consent, "
                "or give the reason for referring without it",
                field="consent_override_reason",
            )
        self._trigger(
            ev.Referred,
            stamp,
            referral_id=referral_id,
            service=service,
            agency=agency,
            consent_override_reason=consent_override_reason,
        )

    def accept_referral(self, stamp: Stamp, *, referral_id: str) -> None:
        referral = self._pending_referral(stamp, referral_id)
        self._trigger(
            ev.ReferralAccepted,
            stamp,
            referral_id=referral_id,
            service=referral.service,
        )

    def decline_referral(self, stamp: Stamp, *, referral_id: str, reason: str) -> None:
        referral = self._pending_referral(stamp, referral_id)
        require("reason", reason)
        self._trigger(
            ev.ReferralDeclined,
            stamp,
            referral_id=referral_id,
            service=referral.service,
            reason=reason,
        )

    def complete_referral(self, stamp: Stamp, *, referral_id: str) -> None:
        self._check_open(stamp)
        referral = self._referral(referral_id)
        if referral.status != "accepted":
            raise ReferralError(
                f"referral {referral_id} is {referral.status}; only an accepted "
                "referral can be completed",
                kind="referral_not_accepted",
                field="referral_id",
                params={"status": referral.status},
            )
        self._trigger(
            ev.ReferralCompleted,
            stamp,
            referral_id=referral_id,
            service=referral.service,
        )

    def assess_needs(self, stamp: Stamp, *, needs: list[str]) -> None:
        self._check_open(stamp)
        for code in needs:
            check_code("service", code, SERVICES, field="needs")
        self._trigger(ev.NeedsAssessed, stamp, needs=list(needs))

    def agree_plan(self, stamp: Stamp, *, services: list[str]) -> None:
        self._check_open(stamp)
        if not services:
            raise DomainError(
                "an assistance plan names at least one service",
                kind="plan_needs_service",
                field="services",
            )
        for code in services:
            check_code("service", code, SERVICES, field="services")
        self._trigger(ev.AssistancePlanAgreed, stamp, services=list(services))

    def start_service(
        self, stamp: Stamp, *, service: str, referral_id: str = ""
    ) -> None:
        self._check_open(stamp)
        check_code("service", service, SERVICES, field="service")
        if referral_id:
            self._referral(referral_id)
        if self.services.get(service) == "started":
            raise DomainError(
                f"{SERVICES[service]} has already started",
                kind="service_already_started",
                field="service",
                params={"service": service},
            )
        self._trigger(
            ev.ServiceStarted, stamp, service=service, referral_id=referral_id
        )

    def complete_service(
        self, stamp: Stamp, *, service: str, referral_id: str = ""
    ) -> None:
        self._check_running_service(stamp, service)
        self._trigger(
            ev.ServiceCompleted, stamp, service=service, referral_id=referral_id
        )

    def discontinue_service(
        self, stamp: Stamp, *, service: str, reason: str, referral_id: str = ""
    ) -> None:
        self._check_running_service(stamp, service)
        require("reason", reason)
        self._trigger(
            ev.ServiceDiscontinued,
            stamp,
            service=service,
            referral_id=referral_id,
            reason=reason,
        )
