"""The cases kept for commands, on eventsourcing's in-memory store: bounded,
and never what a refused command left of a case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.clock import ControlledClock
from domain.commands import AssessRisk, Identify, RecordConsent, Refer
from domain.errors import ConsentRequired
from services.app.case_cache import CaseCache
from services.app.errors import VersionConflict
from services.app.service import CaseApplication, CaseService
from tests.fakes import KeptAttributes

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WORKER = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}


@pytest.fixture
def service(app: CaseApplication) -> CaseService:
    return CaseService(app, ControlledClock(START), people=KeptAttributes())


def opened(service: CaseService, subject_ref: str = "VL-2026-001") -> dict[str, Any]:
    return service.open_case(
        Identify(
            subject_ref=subject_ref,
            region="vlora",
            mobile_unit="MU-Vlora-1",
            municipality="vlore",
            is_minor=False,
            sex="female",
            age=30,
            nationality="AL",
        ),
        occurred_at=START,
        **WORKER,
    )


def run(service: CaseService, command: Any, case: dict[str, Any]) -> dict[str, Any]:
    return service.run(
        command,
        case["case_id"],
        expected_version=case["version"],
        occurred_at=START,
        **WORKER,
    )


def test_no_more_cases_are_kept_than_the_cache_holds_and_each_still_takes_commands(
    app: CaseApplication, service: CaseService
) -> None:
    app.cases = CaseCache(size=3)
    cases = [opened(service, f"VL-2026-{n:03}") for n in range(8)]
    assert len(app.cases) == 3
    # The cases dropped from the cache are replayed: their commands go on.
    for case in cases:
        assert run(service, AssessRisk(level="low"), case)["version"] == 2
    assert len(app.cases) == 3


def test_a_command_the_case_refused_leaves_the_case_as_stored(
    service: CaseService,
) -> None:
    case = opened(service)
    referral = Refer(referral_id="R1", service="shelter_accommodation", agency="Tjeter")
    with pytest.raises(ConsentRequired):
        run(service, referral, case)
    case = run(service, RecordConsent(scope="services", given_by="subject"), case)
    assert run(service, referral, case)["version"] == 3


def test_a_command_on_a_version_the_case_has_left_changes_nothing(
    service: CaseService,
) -> None:
    case = opened(service)
    moved = run(service, AssessRisk(level="low"), case)
    with pytest.raises(VersionConflict):
        run(service, AssessRisk(level="high"), case)
    assert run(service, AssessRisk(level="high"), moved)["version"] == 3
    assert [e.type for e in service.events(case["case_id"])] == [
        "Identified",
        "RiskAssessed",
        "RiskAssessed",
    ]
