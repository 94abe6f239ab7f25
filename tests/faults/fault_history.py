"""A varied, seeded case history to redeliver: corrections, transfers, referrals.

Corrections matter most for redelivery: an ``EntryCorrected`` names an earlier
version of its case, so it is the event most sensitive to the order in which
a case's events arrive.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from domain.catalogue import REGION_SEATS, REGIONS
from domain.clock import ControlledClock
from domain.commands import Identify, command_named
from services.app.service import CaseService

WORKER = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}
SHELTER = {"actor_id": "shelter-staff-1", "actor_role": "shelter_staff"}
RA = {"actor_id": "ra-duty-1", "actor_role": "responsible_authority"}


class History:
    """Records case work on a controlled clock, one command after another."""

    def __init__(self, service: CaseService, clock: ControlledClock) -> None:
        self.service = service
        self.clock = clock

    def identify(self, region: str, *, minor: bool) -> dict[str, Any]:
        self.clock.advance(timedelta(minutes=7))
        return self.service.open_case(
            Identify(
                subject_ref=f"PV-REDELIVERY-{region}",
                region=region,
                mobile_unit=f"{region}-unit",
                municipality=REGION_SEATS[region],
                is_minor=minor,
                sex="female",
                age=16 if minor else 30,
                nationality="AL",
            ),
            occurred_at=self.clock.now() - timedelta(hours=1),
            actor_id=WORKER["actor_id"],
            actor_role=WORKER["actor_role"],
        )

    def step(
        self,
        case: dict[str, Any],
        command: str,
        actor: dict[str, str] = WORKER,
        **fields: Any,
    ) -> dict[str, Any]:
        self.clock.advance(timedelta(hours=3))
        return self.service.run(
            command_named(command)(**fields),
            case["case_id"],
            expected_version=case["version"],
            occurred_at=self.clock.now(),
            **actor,
        )


def record_varied_history(
    service: CaseService, clock: ControlledClock, *, seed: int, cases: int
) -> int:
    """Record ``cases`` cases of varied shapes; return how many events."""
    rng = random.Random(seed)
    history = History(service, clock)
    total = 0
    for n in range(cases):
        region = rng.choice(sorted(REGIONS))
        minor = rng.random() < 0.4
        case = history.identify(region, minor=minor)
        given_by = "guardian" if minor else "subject"
        case = history.step(case, "record_consent", scope="services", given_by=given_by)
        case = history.step(case, "assess_risk", level=rng.choice(["low", "high"]))
        referral = f"R-{n}"
        case = history.step(
            case,
            "refer",
            referral_id=referral,
            service="shelter_accommodation",
            agency="National Shelter",
        )
        shape = n % 4
        if shape == 0:
            # Entered as an adult, corrected to a minor: a CPU duty arises.
            case = history.step(
                case,
                "correct_entry",
                corrected_version=1,
                field_name="is_minor",
                value=not minor,
                reason="age confirmed from documents",
            )
            case = history.step(case, "accept_referral", SHELTER, referral_id=referral)
        elif shape == 1:
            case = history.step(
                case,
                "decline_referral",
                SHELTER,
                referral_id=referral,
                reason="no place",
            )
            elsewhere = "berat" if region != "berat" else "lezhe"
            case = history.step(
                case, "transfer", to_region=elsewhere, reason="moved to family"
            )
        elif shape == 2:
            case = history.step(case, "accept_referral", SHELTER, referral_id=referral)
            # The assessment happened earlier than typed in.
            case = history.step(
                case,
                "correct_entry",
                corrected_version=3,
                field_name="occurred_at",
                value=clock.now() - timedelta(hours=5),
                reason="entered late",
            )
            case = history.step(case, "determine_status", RA, status="victim")
        else:
            case = history.step(case, "determine_status", RA, status="potential_victim")
        total += case["version"]
    return total
